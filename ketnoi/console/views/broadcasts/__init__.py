"""Console pages of broadcasts (issue 7): composing, approval, live progress; templates, community groups; the
officials' internal notices and meetings."""
