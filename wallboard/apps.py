from django.apps import AppConfig


class WallboardConfig(AppConfig):
    name = "wallboard"
    verbose_name = "Voicenter wallboard"
