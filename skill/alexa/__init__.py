"""The Alexa skill: the only package that imports ask_sdk. Handlers translate; use cases decide."""
