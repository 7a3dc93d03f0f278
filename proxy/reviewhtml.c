#include "review.h"
int review_html(struct review *rv, const char *path) { (void)rv; (void)path; return 0; }
