"""Tests of openndc.osi."""
