"""Attacks a hostile tester ran against the whole bot (issue 10's second review): each one
held or was fixed, and each must keep holding."""
