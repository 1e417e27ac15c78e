from django.contrib import admin

from .models import CalendarBlock, Kit, School, Vehicle, Workshop


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "commune", "level", "area", "girls", "boys", "synthetic"]
    list_filter = ["level", "area", "commune"]
    search_fields = ["name_fr", "name_ar", "code"]


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "kind", "duration_min", "pupils_per_session"]


@admin.register(Kit)
class KitAdmin(admin.ModelAdmin):
    list_display = ["kind", "condition", "count"]


@admin.register(CalendarBlock)
class CalendarBlockAdmin(admin.ModelAdmin):
    """School breaks and holidays; the Eids are entered here each year."""

    list_display = ["start_date", "end_date", "reason_fr"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    """A vehicle's crew sees the visits of its tours on the tablet."""

    list_display = ["name", "plate"]
    filter_horizontal = ["crew"]
