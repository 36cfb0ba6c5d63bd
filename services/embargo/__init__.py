"""Embargo: owns time. Holds a release until its lift time and sends embargoed copies before."""
