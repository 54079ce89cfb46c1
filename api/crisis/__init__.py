"""Emergency signposting answers, and the out-of-hours warning."""
