"""The websockets server: a thin I/O shell over ``vccsched.floor`` (built in a later issue)."""
