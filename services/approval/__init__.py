"""Approval service: signs off one submitted revision, stage by stage, with four eyes."""
