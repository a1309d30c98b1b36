"""Measuring answer quality: question files, the highlighter against TrecQA, the naive baseline."""
