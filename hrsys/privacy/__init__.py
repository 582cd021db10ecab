"""Personal data over time (PIPL, R-SEC-5): how long each class of data is kept, and the nightly sweep."""
