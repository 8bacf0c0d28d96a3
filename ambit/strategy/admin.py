"""Admin for mission, vision, values and big moves, writing through ``ambit.strategy.services``
(champions and admins). See ``ambit.core.admin_mixins`` for how writes run."""

from typing import Any

from django.contrib import admin
from django.db.models import Model

from ambit.accounts.admin_mixins import TenantScopedAdmin
from ambit.strategy import services
from ambit.strategy.models import BigMove, Strategy, Value


@admin.register(Strategy)
class StrategyAdmin(TenantScopedAdmin):
    """One per organisation, created with it: only the mission and vision change."""

    update_service = staticmethod(services.strategy_update)
    update_fields = ("mission", "vision")
    list_display = ["organisation", "mission"]

    def perform_update(self, actor: Any, obj: Model, changes: dict[str, Any]) -> Model:
        return services.strategy_update(actor=actor, **changes)


@admin.register(Value)
class ValueAdmin(TenantScopedAdmin):
    create_service = staticmethod(services.value_create)
    update_service = staticmethod(services.value_update)
    delete_service = staticmethod(services.value_delete)
    service_kwarg = "value"
    create_fields = ("organisation", "name", "description", "position")
    update_fields = ("name", "description", "position")

    list_display = ["name", "organisation", "position"]
    list_filter = ["organisation"]


@admin.register(BigMove)
class BigMoveAdmin(TenantScopedAdmin):
    create_service = staticmethod(services.big_move_create)
    update_service = staticmethod(services.big_move_update)
    delete_service = staticmethod(services.big_move_delete)
    service_kwarg = "big_move"
    create_fields = ("organisation", "title", "description", "horizon_start", "horizon_end", "owner", "position")
    update_fields = ("title", "description", "horizon_start", "horizon_end", "owner", "position", "is_archived")

    list_display = ["title", "organisation", "horizon_start", "horizon_end", "is_archived"]
    list_filter = ["organisation", "is_archived"]
    raw_id_fields = ["owner"]
