"""Tests of the command line, the plots and the gallery."""
