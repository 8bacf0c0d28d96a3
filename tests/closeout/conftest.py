from tests.closeout.helpers import contracts

__all__ = ["contracts"]
