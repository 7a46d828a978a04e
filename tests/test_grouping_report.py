"""The tally report (Markdown and HTML): per-item counts, proposals, problems, time."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from test_grouping_fixtures import fill_csv, fill_xlsx, forms, meeting_dir, write_meeting  # noqa: F401
from vccsched.grouping.replies import read_reply
from vccsched.grouping.report import render_report, report_context
from vccsched.grouping.tally import tally
from vccsched.loading import load_meeting


@pytest.fixture
def folder(tmp_path, forms):
    folder = tmp_path / "replies"
    fill_xlsx(forms["xlsx"], folder / "che.xlsx", member="Switzerland", date=dt.date(2021, 3, 10),
              choices={1: 2, 3: 1}, additional=[("Cybersecurity update", "new threats", 1)])
    fill_csv(forms["csv"], folder / "fra.csv", member="FRA", date="2021-03-11", choices={1: 1, 3: 1},
             additional=[("Cybersecurity update", "also urgent", "")])
    fill_xlsx(forms["xlsx"], folder / "ken.xlsx", member="KEN", date="2021-03-12", choices={1: 1, 3: 1})
    fill_xlsx(forms["xlsx"], folder / "civ.xlsx", member="CIV", date="2021-03-15", choices={4: 1})
    fill_xlsx(forms["xlsx"], folder / "aut.xlsx", member="Austria", date="2021-03-01",
              choices={2: 2}, additional=[("Item on 6G", "urgent | soon", 2)])
    return folder


def test_markdown_report_figures(cli, meeting_dir, folder, tmp_path):
    out, report = tmp_path / "g.yaml", tmp_path / "report.md"
    result = cli("grouping", "tally", "--meeting", str(meeting_dir), str(folder), "--out", str(out),
                 "--report", str(report))
    assert result.returncode == 0, result.stderr
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Grouping consultation: T21/VCC-1\n")
    assert "- Replies read: 5; counted: 4 (Council Members: 4 of 6); not counted: 1.\n" in text
    assert ("- Final grouping: 3 items in Group 1, 2 in Group 2, 1 without a group (item 5: not in "
            "grouping.yaml, give it a group by hand); 2 changed from the proposal.\n") in text
    # Group 1 = items 2 (30), 3 (no estimate) and 7 (60); 2 days x (180 - 20) = 320.
    assert ("- Time: Group 1 needs 90 minutes (0.6 days of 160 minutes) of the 320 available "
            "(2 days x (180 - 20 buffer) minutes): headroom 230 minutes.\n") in text
    assert "- Group 1 items without a time estimate (not in the total): 3.\n" in text
    assert "| 1 | PL 1.01 | Report one | 10 | 1 | 2 | 1 | CHE | 2 | yes |\n" in text
    assert "| 2 | PL 1.02 | Report <two> \\| piped | 30 | 1 | 0 | 0 |  | 1 | no |\n" in text
    assert "| 3 | PL 1.03 | Report three |  | 2 | 3 | 0 | CHE, FRA, KEN | 1 | yes |\n" in text
    assert "| 4 | PL 1.04 | Report four | 20 | 2 | 1 | 0 | CIV | 2 | no |\n" in text
    assert "| 5 | PL 3.04 | Report five | 15 | - | 0 | 0 |  | - | no |\n" in text
    changes = text.split("## Changes")[1].split("## All items")[0]
    assert re.findall(r"^\| (\d+) \|", changes, re.M) == ["1", "3"]
    assert (f"| Cybersecurity update | new threats | 1 | Switzerland (CHE) | {folder / 'che.xlsx'}, row 3 |"
            in text)
    assert f"| Cybersecurity update | also urgent | - | France (FRA) | {folder / 'fra.csv'}, row 13 |" in text
    assert ("| Item on 6G | urgent \\| soon | 2 | Austria (AUT), not a Council Member | "
            f"{folder / 'aut.xlsx'}, row 3 |") in text
    rejected = text.split("## Rejected and late replies")[1].split("## Replies")[0]
    assert (f"- {folder / 'aut.xlsx'} (Austria (AUT), 2021-03-01): not counted; Austria (AUT) is an "
            "observer Member State, not a Council Member: the reply is reported and not counted.\n") in rejected
    assert (f"- {folder / 'civ.xlsx'} (Côte d'Ivoire (CIV), 2021-03-15): counted; late reply from Côte "
            "d'Ivoire: dated 2021-03-15, after the deadline 2021-03-12; counted (--late accept).\n") in rejected
    assert rejected.count("\n- ") == 2
    assert text.endswith("## Council Members without a counted reply\n\nJapan, Korea (Rep. of) (2).\n")


def test_html_report_is_self_contained_and_escaped(cli, meeting_dir, folder, tmp_path):
    report = tmp_path / "report.html"
    result = cli("grouping", "tally", "--meeting", str(meeting_dir), str(folder),
                 "--out", str(tmp_path / "g.yaml"), "--report", str(report))
    assert result.returncode == 0, result.stderr
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
    assert "<style>" in html
    assert not re.search(r"""(src|href)\s*=|<link|<script|@import""", html)
    assert "Report &lt;two&gt; | piped" in html and "<two>" not in html
    assert '<span class="ok">headroom 230 minutes</span>' in html
    assert ('<tr class="changed"><td class="num">3</td><td>PL 1.03</td><td>Report three</td>'
            '<td class="num"></td><td>2</td><td class="num">3</td><td class="num">0</td>'
            "<td>CHE, FRA, KEN</td><td>1</td><td>yes</td></tr>") in html


def test_report_says_how_much_group_1_is_over(tmp_path, forms):
    meeting = write_meeting(tmp_path / "short", max_days=1)
    text = (meeting / "meeting.yaml").read_text().replace('end: "15:00"', 'end: "13:00"')
    (meeting / "meeting.yaml").write_text(text)
    data = load_meeting(meeting)
    reply = read_reply(fill_xlsx(forms["xlsx"], tmp_path / "che.xlsx", member="CHE", date="2021-03-01"))
    result = tally(data, [reply])
    context = report_context(result)
    # Group 1 as proposed: 10 + 30 + 60 = 100 minutes; one day of 60 - 20 = 40 minutes.
    assert (context["minutes_needed"], context["minutes_available"], context["over"]) == (100, 40, 60)
    assert context["headroom"] is None and context["days_needed"] == "2.5"
    assert ("Group 1 needs 100 minutes (2.5 days of 40 minutes) of the 40 available (1 day x "
            "(60 - 20 buffer) minutes): over by 60 minutes.") in render_report(result, "md")
    assert '<span class="over">over by 60 minutes</span>' in render_report(result, "html")


def test_report_needs_a_known_extension(cli, meeting_dir, folder, tmp_path):
    result = cli("grouping", "tally", "--meeting", str(meeting_dir), str(folder),
                 "--out", str(tmp_path / "g.yaml"), "--report", str(tmp_path / "r.pdf"))
    assert result.returncode == 1
    assert "r.pdf: unknown report format '.pdf'; name the report FILE.md" in result.stderr
    assert not (tmp_path / "g.yaml").exists()


def test_bundled_c21_tally_fits_the_nine_days(c21, tmp_path):
    from vccsched.grouping.form import form_xlsx

    form = tmp_path / "c21.xlsx"
    form.write_bytes(form_xlsx(c21))
    replies = [
        read_reply(fill_xlsx(form, tmp_path / f"{code}.xlsx", member=code, date="2021-03-12", choices=choices))
        for code, choices in (("CHE", {30: 1, 36: 1}), ("CHN", {30: 1, 12: 2}), ("USA", {30: 1}))
    ]
    result = tally(c21, replies)
    g1 = [i for i in c21.agenda.items if i.proposed_group == 1]
    assert result.grouping[12] == 2 and result.grouping[30] == 1 and 32 in result.ungrouped
    assert result.minutes_available == 9 * (180 - 20)
    moved = c21.agenda.item(30).minutes or 0
    assert result.minutes_needed == sum(i.minutes for i in g1) - c21.agenda.item(12).minutes + moved
