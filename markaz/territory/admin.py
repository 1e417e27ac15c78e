from django.contrib import admin

from .models import Commune, Province

admin.site.register(Province)


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = [
        "name_fr",
        "name_ar",
        "kind",
        "latitude",
        "longitude",
        "coordinates_approximate",
    ]
