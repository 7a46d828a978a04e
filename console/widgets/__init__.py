"""The console's panels, one small module each; each takes the floor state and
shows it, and re-renders only when what it shows has changed."""
