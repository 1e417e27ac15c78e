from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Berkane demo, on top of every app: it may import them all and none imports it."""

    name = "markaz.demo"
