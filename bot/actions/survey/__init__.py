"""The satisfaction callback (回访) conversation: solved? how satisfied? why not? — plain Python, driven by Rasa."""
