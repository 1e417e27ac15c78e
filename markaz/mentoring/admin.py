from django.contrib import admin

from .models import (
    ActionPlan,
    ActionStep,
    Baseline,
    FollowUp,
    MentorAssignment,
    MentoringSession,
    MentorProfile,
    Referral,
)

# Notes are not in the admin on purpose: they are read by their author and the coordinators
# only, through the mentoring pages.


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "centre", "max_caseload", "languages", "tracks")
    list_filter = ("centre",)


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "mentor", "assigned_at", "ended_at")
    list_filter = ("centre", "mentor")
    raw_id_fields = ("person",)


class ActionStepInline(admin.TabularInline):
    model = ActionStep
    extra = 0


class ReferralInline(admin.TabularInline):
    model = Referral
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ("person", "goal", "updated_at")
    list_filter = ("centre", "goal")
    raw_id_fields = ("person",)
    inlines = [ActionStepInline, ReferralInline]


@admin.register(MentoringSession)
class MentoringSessionAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "ends_at", "kind", "mentor", "room")
    list_filter = ("centre", "kind", "room")
    date_hierarchy = "starts_at"


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    list_display = ("person", "recorded_on", "employment_status", "monthly_income_mad")
    list_filter = ("centre", "employment_status")
    raw_id_fields = ("person",)


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("person", "milestone", "due_on", "status", "employment_status")
    list_filter = ("centre", "milestone", "status")
    raw_id_fields = ("person", "enrolment")
    date_hierarchy = "due_on"
