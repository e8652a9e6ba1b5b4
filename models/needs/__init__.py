"""Community needs: the Need model, the rules that move it through moderation, and finding needs."""
