/*
 * The first pass of config loading: inih splits the file into sections
 * and key = value pairs, collected here in file order with their line
 * numbers.  The library reads lines into a fixed 200-byte buffer and has
 * no hook for section lines, so the reader below hands it over-long
 * lines in pieces that are joined back exactly, and notes every section
 * header itself (a section may have no keys at all).
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confparse.h"

/* The state of the first pass, shared by the inih reader and handler. */
struct lexer {
	FILE		*fp;
	EVP_MD_CTX	*sha;		/* of every byte read */
	int		 line;		/* physical line being read */
	int		*map;		/* inih's line number -> physical */
	size_t		 nmap, capmap;
	char		*chunk_base;	/* an over-long line being handed out */
	char		*chunks;	/* its part not handed out yet */
	int		 cont;		/* this line continues the last key */
	const char	*sep;		/* joins a continuation to it */
	const char	*next_sep;
	struct conf_items *out;
	char		*err;
	size_t		 errlen;
	const char	*path;
	int		 failed;
};

static int
lexer_push(struct lexer *lx, int is_section, const char *section,
    const char *key, const char *value)
{
	struct conf_items	*out = lx->out;
	struct conf_item	*it;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 32;

		if ((it = realloc(out->items, cap * sizeof(*it))) == NULL)
			return -1;
		out->items = it;
		out->cap = cap;
	}
	it = &out->items[out->n];
	memset(it, 0, sizeof(*it));
	it->is_section = is_section;
	it->line = lx->line;
	if ((it->section = strdup(section)) == NULL)
		return -1;
	if (key != NULL && ((it->key = strdup(key)) == NULL ||
	    (it->value = strdup(value)) == NULL)) {
		free(it->section);
		free(it->key);
		return -1;
	}
	out->n++;
	return 0;
}

static void
lexer_fail(struct lexer *lx, const char *msg)
{
	if (lx->failed++)
		return;
	snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->path, lx->line, msg);
}

static int
lexer_map(struct lexer *lx)
{
	int *map;

	if (lx->nmap == lx->capmap) {
		size_t cap = lx->capmap ? lx->capmap * 2 : 64;

		if ((map = realloc(lx->map, cap * sizeof(*map))) == NULL)
			return -1;
		lx->map = map;
		lx->capmap = cap;
	}
	lx->map[lx->nmap++] = lx->line;
	return 0;
}

/*
 * Cuts an inline comment: a ';' or '#' after white space.  inih itself
 * knows ';' only; '#' starts a comment at the start of a line, and an
 * admin who writes one after a value means one there too.
 */
static void
strip_comment(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if ((*p == ';' || *p == '#') && p > s &&
		    isspace((unsigned char)p[-1])) {
			*p = '\0';
			return;
		}
	}
}

/*
 * "key   =   value  " becomes "key = value" (a new string), so that the
 * first piece of an over-long line always holds the '=' and the start of
 * the value.  NULL for "key: value", which inih would take but the config
 * language has not (or when memory runs out).
 */
static char *
tidy_key_line(char *line)
{
	char	*eq = strpbrk(line, "=:"), *key_end, *value, *out, *end;
	size_t	 klen, vlen;

	if (eq == NULL)
		return line;		/* inih reports the syntax error */
	if (*eq == ':')
		return NULL;
	for (key_end = eq; key_end > line &&
	    isspace((unsigned char)key_end[-1]); key_end--)
		;
	for (value = eq + 1; isspace((unsigned char)*value); value++)
		;
	for (end = value + strlen(value); end > value &&
	    isspace((unsigned char)end[-1]); end--)
		;
	klen = (size_t)(key_end - line);
	vlen = (size_t)(end - value);
	if ((out = malloc(klen + 3 + vlen + 1)) == NULL)
		return NULL;
	memcpy(out, line, klen);
	memcpy(out + klen, " = ", 3);
	memcpy(out + klen + 3, value, vlen);
	out[klen + 3 + vlen] = '\0';
	return out;
}

/*
 * Hands inih the next piece of the file.  The library reads lines into
 * a fixed buffer, so a longer key = value line is handed over as a
 * first piece and then continuation lines, which the handler joins back
 * together exactly.  Comments are taken out first so that none can
 * start in a later piece.
 */
static char *
lexer_read(char *buf, int size, void *arg)
{
	struct lexer	*lx = arg;
	char		*line = NULL, *p;
	size_t		 cap = 0, room = (size_t)size - 3, len;
	ssize_t		 n;

	if (lx->failed)
		return NULL;
	if (lx->chunks != NULL)
		goto chunk;
	if ((n = getline(&line, &cap, lx->fp)) == -1) {
		free(line);
		return NULL;
	}
	lx->line++;
	EVP_DigestUpdate(lx->sha, line, (size_t)n);
	if (memchr(line, '\0', (size_t)n) != NULL) {
		free(line);
		lexer_fail(lx, "NUL byte in the config file");
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	/* inih skips a BOM itself, but this reader must see the '[' too. */
	if (lx->line == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		memmove(line, line + 3, strlen(line + 3) + 1);
	for (p = line; isspace((unsigned char)*p); p++)
		;
	lx->cont = p > line;
	lx->sep = " ";
	if (*p == ';' || *p == '#' || *p == '\0') {
		buf[0] = '\n';
		buf[1] = '\0';
		free(line);
		return lexer_map(lx) == -1 ? NULL : buf;
	}
	if (*p == '[') {
		char *end;

		strip_comment(p);
		for (end = p + strlen(p); end > p &&
		    isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (end - p < 3 || end[-1] != ']' || (size_t)(end - p) > room) {
			free(line);
			lexer_fail(lx, "bad section header");
			return NULL;
		}
		end[-1] = '\0';
		if (lexer_push(lx, 1, p + 1, NULL, NULL) == -1) {
			free(line);
			lexer_fail(lx, "out of memory");
			return NULL;
		}
		end[-1] = ']';
		snprintf(buf, (size_t)size, "%s\n", p);
		free(line);
		return lexer_map(lx) == -1 ? NULL : buf;
	}
	strip_comment(line);
	if (!lx->cont) {
		char *tidy = tidy_key_line(line);

		if (tidy != line)
			free(line);
		if ((line = tidy) == NULL) {
			lexer_fail(lx, "syntax error: expected key = value");
			return NULL;
		}
	}
	lx->chunk_base = lx->chunks = line;
chunk:
	/* Up to room bytes, cut where no space or comment sign follows. */
	p = lx->chunks;
	len = strlen(p);
	if (len > room) {
		len = room;
		while (len > 1 && (isspace((unsigned char)p[len]) ||
		    p[len] == ';' || p[len] == '#'))
			len--;
	}
	if (p != lx->chunk_base) {	/* a later piece */
		lx->cont = 1;
		lx->sep = lx->next_sep;
		buf[0] = ' ';
		memcpy(buf + 1, p, len);
		buf[len + 1] = '\n';
		buf[len + 2] = '\0';
	} else {
		memcpy(buf, p, len);
		buf[len] = '\n';
		buf[len + 1] = '\0';
	}
	if (p[len] == '\0') {
		free(lx->chunk_base);
		lx->chunk_base = lx->chunks = NULL;
	} else {
		lx->next_sep = isspace((unsigned char)p[len - 1]) ? " " : "";
		lx->chunks = p + len;
	}
	return lexer_map(lx) == -1 ? NULL : buf;
}

static int
lexer_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct lexer		*lx = arg;
	struct conf_items	*out = lx->out;
	struct conf_item	*last = out->n ? &out->items[out->n - 1] : NULL;

	if (lx->failed)
		return 1;
	if (lx->cont && last != NULL && !last->is_section &&
	    strcmp(last->section, section) == 0 &&
	    strcmp(last->key, key) == 0) {
		size_t	 len = strlen(last->value) + strlen(lx->sep) +
		    strlen(value) + 1;
		char	*v;

		if ((v = malloc(len)) == NULL) {
			lexer_fail(lx, "out of memory");
			return 1;
		}
		snprintf(v, len, "%s%s%s", last->value, lx->sep, value);
		free(last->value);
		last->value = v;
		return 1;
	}
	if (lexer_push(lx, 0, section, key, value) == -1)
		lexer_fail(lx, "out of memory");
	return 1;
}

void
confread_free(struct conf_items *out)
{
	for (size_t i = 0; i < out->n; i++) {
		free(out->items[i].section);
		free(out->items[i].key);
		free(out->items[i].value);
	}
	free(out->items);
	memset(out, 0, sizeof(*out));
}

/*
 * Splits the file at path into out, in file order.  Returns -1 with
 * "FILE:LINE: message" in err on a syntax error; out is to be freed
 * with confread_free() either way.
 */
int
confread_file(const char *path, struct conf_items *out, char *err,
    size_t errlen)
{
	struct lexer	 lx;
	int		 rc, line;

	memset(&lx, 0, sizeof(lx));
	memset(out, 0, sizeof(*out));
	lx.path = path;
	lx.err = err;
	lx.errlen = errlen;
	lx.out = out;
	if ((lx.fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((lx.sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(lx.sha, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(lx.sha);
		fclose(lx.fp);
		snprintf(err, errlen, "%s:0: out of memory", path);
		return -1;
	}
	rc = ini_parse_stream(lexer_read, &lx, lexer_handler, &lx);
	/* The running config's fingerprint (/status, /metrics): of the
	 * very bytes parsed, read to the end when the parse succeeded. */
	EVP_DigestFinal_ex(lx.sha, out->sha256, NULL);
	EVP_MD_CTX_free(lx.sha);
	fclose(lx.fp);
	line = rc > 0 && (size_t)rc <= lx.nmap ? lx.map[rc - 1] : lx.line;
	free(lx.map);
	free(lx.chunk_base);
	if (lx.failed)
		return -1;
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: syntax error: expected [section] "
		    "or key = value", path, line);
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		return -1;
	}
	return 0;
}
