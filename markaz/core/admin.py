from django.contrib import admin

from .models import AuditEvent, Job, StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "centre", "phone"]
    list_filter = ["role", "centre"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "object_type", "object_id"]
    list_filter = ["action"]


admin.site.register(Job)
