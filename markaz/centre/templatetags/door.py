from django import template

from markaz.centre import door_html

register = template.Library()


@register.simple_tag
def occupancy_badge(centre):
    return door_html.occupancy_badge(centre.occupancy, centre.max_occupancy)


@register.simple_tag
def scan_result(result, centre):
    return door_html.scan_result(
        result.kind, result.message, result.occupancy, centre.max_occupancy
    )
