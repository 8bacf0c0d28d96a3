from django.contrib import admin

from ambit.core.admin_mixins import TenantScopedAdmin
from ambit.strategy.models import BigMove, Strategy, Value


@admin.register(Strategy)
class StrategyAdmin(TenantScopedAdmin):
    list_display = ["organisation", "mission"]


@admin.register(Value)
class ValueAdmin(TenantScopedAdmin):
    list_display = ["name", "organisation", "position"]
    list_filter = ["organisation"]


@admin.register(BigMove)
class BigMoveAdmin(TenantScopedAdmin):
    list_display = ["title", "organisation", "horizon_start", "horizon_end", "is_archived"]
    list_filter = ["organisation", "is_archived"]
    raw_id_fields = ["owner"]
