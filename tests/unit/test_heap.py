"""ui/heap.py: the server's long-lived heap is frozen once new modules load,
so a full collection no longer walks it (issue 11: a hostile upload's parse
triggered a 0.1 s full collection that paused another visitor's page)."""

from __future__ import annotations

import gc
import sys
import types
import weakref

import pytest

from ui import heap


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(heap, "_modules_frozen", 0)
    yield heap
    gc.unfreeze()


def test_settle_freezes_once_until_a_module_loads(fresh, monkeypatch):
    assert fresh.settle() is True
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the imported libraries' objects
    assert fresh.settle() is False  # nothing new: no collection, no freeze
    # (frozen objects can still be freed by reference counting: the count may drop)
    assert gc.get_freeze_count() <= frozen
    monkeypatch.setitem(sys.modules, "swp_test_new_module", types.ModuleType("swp_test_new_module"))
    assert fresh.settle() is True


def test_settle_collects_cycles_before_freezing(fresh):
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
    gone = weakref.ref(a)
    del a, b
    fresh.settle()
    assert gone() is None  # collected, not frozen for the life of the process


def test_full_collection_walks_only_new_objects(fresh):
    """The point of it: a full collection walks the collectable generations
    only, and after settle they hold a small part of the heap."""
    before = len(gc.get_objects())
    fresh.settle()
    assert len(gc.get_objects()) < before / 10
    assert gc.get_freeze_count() > before * 0.9
