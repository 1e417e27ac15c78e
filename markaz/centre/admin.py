from django.contrib import admin

from .models import Centre, Closure, HoursPeriod, Room


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class ClosureInline(admin.TabularInline):
    """Public holidays and the Eids (lunar, entered each year by staff)."""

    model = Closure
    extra = 1


class HoursPeriodInline(admin.TabularInline):
    """Ramadan: the weeks that use the Ramadan timetable grid."""

    model = HoursPeriod
    extra = 0


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "commune", "floor_area_m2", "max_occupancy"]
    inlines = [RoomInline, ClosureInline, HoursPeriodInline]
