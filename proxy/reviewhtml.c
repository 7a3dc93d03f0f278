/*
 * pinhole review --html OUT: the report as one page a security team
 * opens in a browser.  Everything is in the file: the style inline, the
 * charts inline SVG, no script and no URL, so the page shows the same
 * offline and gives away nothing when it is opened.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "review.h"

#define CHART_BARS	15
#define CHART_WIDTH	720
#define CHART_LABEL	260
#define CHART_BAR	20
#define CLIENTS_SHOWN	4	/* per domain in the table */

static const char page_style[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;"
    "margin-top:2em}table{border-collapse:collapse}"
    "td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}"
    "td.n{text-align:right}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
    ".bar{fill:#3b6ea5}.bar.refused{fill:#b5483b}.bar.unused{fill:#999}"
    "svg text{font-size:12px;font-family:sans-serif}";

static void
esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

static unsigned long long
ull(uint64_t n)
{
	return (unsigned long long)n;
}

/* A value beside its bar: a count, or bytes in their binary unit. */
static void
amount(FILE *fp, uint64_t v, int bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double	d = (double)v;
	int	u = -1;

	if (!bytes || v < 1024) {
		fprintf(fp, "%llu%s", ull(v), bytes ? " B" : "");
		return;
	}
	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	fprintf(fp, "%.1f %s", d, units[u]);
}

/* A horizontal bar chart of up to CHART_BARS labelled values. */
static void
chart(FILE *fp, const char *id, const char *title, const char *cls,
    const char **labels, const uint64_t *values, size_t n, int bytes)
{
	uint64_t	max = 1;
	int		h;

	if (n > CHART_BARS)
		n = CHART_BARS;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	h = (int)n * (CHART_BAR + 4) + 30;
	fprintf(fp, "<svg id=\"%s\" class=\"chart\" width=\"%d\" "
	    "height=\"%d\" role=\"img\"><title>", id, CHART_WIDTH, h);
	esc(fp, title);
	fprintf(fp, "</title><text x=\"0\" y=\"16\" font-weight=\"bold\">");
	esc(fp, title);
	fputs("</text>\n", fp);
	for (size_t i = 0; i < n; i++) {
		int	y = 26 + (int)i * (CHART_BAR + 4);
		int	w = (int)((double)values[i] / (double)max *
		    (CHART_WIDTH - CHART_LABEL - 110));

		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    CHART_LABEL - 8, y + 15);
		esc(fp, labels[i]);
		fprintf(fp, "</text><rect class=\"bar %s\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"%d\"/><text x=\"%d\" y=\"%d\">",
		    values[i] ? cls : "unused", CHART_LABEL, y, w > 1 ? w : 1,
		    CHART_BAR, CHART_LABEL + w + 6, y + 15);
		amount(fp, values[i], bytes);
		fputs("</text>\n", fp);
	}
	fputs("</svg>\n", fp);
}

static void
html_summary(const struct review *rv, FILE *fp)
{
	char a[32], b[32];

	review_time(rv->first_ms, a, sizeof(a));
	review_time(rv->last_ms, b, sizeof(b));
	fprintf(fp, "<section id=\"summary\"><h1>pinhole review</h1>\n<p>%llu "
	    "records from %zu %s, %s to %s", ull(rv->records), rv->nfiles,
	    rv->nfiles == 1 ? "file" : "files", a, b);
	if (rv->since_text != NULL) {
		fputs(" (--since ", fp);
		esc(fp, rv->since_text);
		fprintf(fp, ": %llu older records skipped)", ull(rv->older));
	}
	fprintf(fp, ". Config: ");
	esc(fp, rv->conf->path);
	fprintf(fp, ".</p>\n<p>%llu flows, %llu bytes; %llu refused as "
	    "not_allowed; %llu %s no flow record.</p></section>\n",
	    ull(rv->flows), ull(rv->flow_bytes), ull(rv->refused),
	    ull(rv->bad), rv->bad == 1 ? "line was" : "lines were");
}

static int
rule_unused(const struct review *rv, const char *rule)
{
	for (size_t i = 0; i < rv->nrules; i++)
		if (strcmp(rv->rules[i]->rule, rule) == 0)
			return rv->rules[i]->flows == 0;
	return 0;
}

static void
html_rules(const struct review *rv, FILE *fp)
{
	const char	**labels = calloc(rv->nrules + 1, sizeof(*labels));
	uint64_t	 *values = calloc(rv->nrules + 1, sizeof(*values));
	size_t		  unused = 0;

	if (labels == NULL || values == NULL)
		goto done;
	fputs("<section id=\"unused\"><h2>What the allowlist can lose</h2>\n"
	    "<table><tr><th>rule</th><th>line</th><th>entry</th></tr>\n", fp);
	for (size_t i = 0; i < rv->nrules; i++) {
		labels[i] = rv->rules[i]->rule;
		values[i] = rv->rules[i]->flows;
		if (rv->rules[i]->flows > 0)
			continue;
		unused++;
		fputs("<tr><td>[allow ", fp);
		esc(fp, rv->rules[i]->rule);
		fprintf(fp, "]</td><td class=\"n\">%d</td><td>the whole rule"
		    "</td></tr>\n", rv->rules[i]->line);
	}
	for (size_t i = 0; i < rv->nentries; i++) {
		const struct review_item *e = rv->entries[i];

		/* An unused rule goes as a whole: its entries say no more. */
		if (e->flows > 0 || (e->rule != NULL && rule_unused(rv, e->rule)))
			continue;
		unused++;
		fputs("<tr><td>", fp);
		fputs(e->list ? "[list " : "[allow ", fp);
		esc(fp, e->list ? e->list : e->rule);
		fputs("]</td><td></td><td>", fp);
		esc(fp, e->entry);
		fputs("</td></tr>\n", fp);
	}
	fprintf(fp, "</table>\n<p>%zu unused.</p></section>\n", unused);
	fputs("<section id=\"rules\"><h2>Flows per rule</h2>\n", fp);
	chart(fp, "chart-rules", "Flows per rule (grey: none)", "", labels,
	    values, rv->nrules, 0);
	fputs("</section>\n", fp);
done:
	free(labels);
	free(values);
}

static void
html_refused(const struct review *rv, FILE *fp)
{
	const char	*labels[CHART_BARS];
	uint64_t	 values[CHART_BARS];
	size_t		 n = 0;

	fputs("<section id=\"refused\"><h2>Refused destinations, by "
	    "registrable domain</h2>\n", fp);
	for (; n < rv->nsgroups && n < CHART_BARS; n++) {
		labels[n] = rv->sgroups[n]->domain;
		values[n] = rv->sgroups[n]->count;
	}
	chart(fp, "chart-refused", "Refused (not_allowed) per domain",
	    "refused", labels, values, n, 0);
	fputs("<table><tr><th>domain</th><th>refused</th><th>names</th>"
	    "<th>ports</th><th>clients</th></tr>\n", fp);
	for (size_t i = 0; i < rv->nsgroups; i++) {
		const struct review_group *g = rv->sgroups[i];
		uint64_t		   rest;

		fputs("<tr><td>", fp);
		esc(fp, g->domain);
		fprintf(fp, "</td><td class=\"n\">%llu</td><td>",
		    ull(g->count));
		for (size_t k = 0; k < g->nnames; k++) {
			fputs(k ? ", " : "", fp);
			esc(fp, g->names[k].s);
		}
		fputs("</td><td>", fp);
		for (size_t k = 0; k < g->nports; k++)
			fprintf(fp, "%s%u", k ? ", " : "", g->ports[k]);
		fputs("</td><td>", fp);
		for (size_t k = 0; k < g->nclients && k < CLIENTS_SHOWN; k++) {
			fputs(k ? ", " : "", fp);
			esc(fp, g->clients[k].s);
			fprintf(fp, " (%llu)", ull(g->clients[k].n));
		}
		rest = g->clients_over;
		for (size_t k = CLIENTS_SHOWN; k < g->nclients; k++)
			rest += g->clients[k].n;
		if (rest > 0)
			fprintf(fp, ", others (%llu)", ull(rest));
		fputs("</td></tr>\n", fp);
	}
	fputs("</table></section>\n", fp);
}

static void
html_dests(const struct review *rv, FILE *fp)
{
	const char	*labels[CHART_BARS];
	uint64_t	 values[CHART_BARS];
	size_t		 n = 0;

	for (; n < rv->nsdests && n < CHART_BARS; n++) {
		labels[n] = rv->sdests[n]->host;
		values[n] = rv->sdests[n]->up + rv->sdests[n]->down;
	}
	fputs("<section id=\"destinations\"><h2>Top destinations by bytes"
	    "</h2>\n", fp);
	chart(fp, "chart-bytes", "Bytes per destination", "", labels, values,
	    n, 1);
	fputs("</section>\n", fp);
}

static void
html_suggest(struct review *rv, FILE *fp)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*mem = open_memstream(&text, &len);

	fputs("<section id=\"suggested\"><h2>Suggested rules</h2>\n<p>Each "
	    "section allows what was refused; paste the ones wanted into the "
	    "config and check it with <code>pinhole -t</code>.</p>\n<pre>",
	    fp);
	if (mem != NULL) {
		review_suggest(rv, mem);
		fclose(mem);
		esc(fp, text);
	}
	free(text);
	fputs("</pre></section>\n", fp);
}

int
review_html(struct review *rv, const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "pinhole review: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
	    "\"utf-8\"><title>pinhole review</title><style>%s</style></head>"
	    "<body>\n", page_style);
	html_summary(rv, fp);
	html_rules(rv, fp);
	html_refused(rv, fp);
	html_dests(rv, fp);
	html_suggest(rv, fp);
	fputs("</body></html>\n", fp);
	if (ferror(fp) | fclose(fp)) {
		fprintf(stderr, "pinhole review: %s: write error\n", path);
		return -1;
	}
	return 0;
}
