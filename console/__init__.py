"""The Textual moderator console: a thin shell over ``vccsched.floor`` (built in a later issue)."""
