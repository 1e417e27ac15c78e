"""The Berkane demo (synthetic people): the top layer. It may import every app; no app imports it.

`load.demo_load` orchestrates; each app's demo builder is the module named after the app here.
"""
