from django.contrib import admin

from .models import Centre, Room


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "commune", "floor_area_m2", "max_occupancy"]
    inlines = [RoomInline]
