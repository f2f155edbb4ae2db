/* SPDX-License-Identifier: MIT */
/*
 * One command's output held back: for --format=json, where it becomes one
 * JSON line (JSON Lines), and for --verify, which compares it with the
 * script's expectations.
 *
 * The JSON line of a command (the man page's JSON OUTPUT lists the keys):
 *   {"cmd":NAME,"input":TEXT,["file":F,"line":N,]"ok":BOOL,
 *    ["errno":N,"error":"EINVAL",]["message":STDERR,]
 *    ["addr":N,"addr_hex":"0x.."|"value":N,]["signal":{...},]
 *    BODY..., ["text":OUTPUT,]["trace":[LINES]]}
 * BODY is the keys of the JSON object the command printed (its JSON
 * form); a command that printed text instead (no JSON form) has it in
 * "text".  So giving a command a JSON form is printing one object when
 * sh->json is set: nothing here changes.
 *
 * Invariants
 *  - Exactly one line per command on the real standard output, keys in
 *    the order above; stderr still gets the command's error lines.
 *  - Commands run inside one (source) print their own lines first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "views.h"

static void open_stream(FILE **f, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	*f = open_memstream(buf, len);
	if (!*f)
		abort();
}

void capture_begin(struct shell *sh, struct capture *cap, bool force)
{
	bool active = sh->json || force;

	/* every command runs inside one: when it holds nothing back, only
	 * active and saved_res are ever read (no clearing of the rest) */
	if (active)
		memset(cap, 0, sizeof(*cap));
	cap->active = active;
	cap->saved_res = sh->res;
	memset(&sh->res, 0, sizeof(sh->res));
	if (!active)
		return;
	cap->json = sh->json;
	cap->forced = force;
	fflush(sh->out);
	fflush(sh->err);
	cap->saved_out = sh->out;
	cap->saved_err = sh->err;
	cap->saved_trace = sh->trace_out;
	open_stream(&cap->out, &cap->obuf, &cap->olen);
	open_stream(&cap->err, &cap->ebuf, &cap->elen);
	if (cap->json)
		open_stream(&cap->trace, &cap->tbuf, &cap->tlen);
	if (sh->capture_depth++ == 0)
		sh->json_out = force ? cap->out : sh->out;
	sh->out = cap->out;
	sh->err = cap->err;
	if (cap->json)
		sh->trace_out = cap->trace;
}

void capture_free(struct capture *cap)
{
	free(cap->obuf);
	free(cap->ebuf);
	free(cap->tbuf);
	cap->obuf = cap->ebuf = cap->tbuf = NULL;
}

/* The text of @buf without its last newline, as a JSON string. */
static json_t *text(const char *buf, size_t len)
{
	if (len && buf[len - 1] == '\n')
		len--;
	return view_json_str(buf, len);
}

static json_t *lines(const char *buf, size_t len)
{
	json_t *a = json_array();
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		json_array_append_new(a, view_json_str(p, n));
		p += n + 1;
	}
	return a;
}

static json_t *envelope(const struct cmd_result *r, struct shell *sh,
			struct capture *cap, const struct lexcmd *lc)
{
	json_t *o = json_object(), *body = NULL;

	if (r->name)
		json_object_set_new(o, "cmd", json_string(r->name));
	else if (lc->ntok && !lc->tok[0].quoted)
		json_object_set_new(o, "cmd", view_json_str(lc->tok[0].text,
							    lc->tok[0].len));
	else
		json_object_set_new(o, "cmd", json_null());
	json_object_set_new(o, "input", view_json_str(lc->text, strlen(lc->text)));
	if (sh->src) {
		json_object_set_new(o, "file", view_json_str(sh->src, strlen(sh->src)));
		view_json_set_num(o, "line", sh->line);
	}
	json_object_set_new(o, "ok", json_boolean(!sh->failed));
	if (r->err) {
		json_object_set_new(o, "errno", json_integer(-r->err));
		json_object_set_new(o, "error", json_string(errno_name(r->err)));
	}
	if (cap->elen)
		json_object_set_new(o, "message", text(cap->ebuf, cap->elen));
	if (r->yields && r->hex)
		view_json_set_addr(o, "addr", r->value);
	else if (r->yields)
		view_json_set_num(o, "value", r->value);
	if (r->fault.signo)
		json_object_set_new(o, "signal", view_json_fault(&r->fault));
	if (cap->olen)
		body = json_loadb(cap->obuf, cap->olen, 0, NULL);
	if (body && json_is_object(body))
		json_object_update(o, body);
	else if (cap->olen)
		json_object_set_new(o, "text", text(cap->obuf, cap->olen));
	json_decref(body);
	if (cap->tlen)
		json_object_set_new(o, "trace", lines(cap->tbuf, cap->tlen));
	return o;
}

void capture_end(struct shell *sh, struct capture *cap,
		const struct lexcmd *lc)
{
	struct cmd_result mine = sh->res;

	/* sh->res goes back to the enclosing command's (source); this one's
	 * stays in cap->saved_res for the caller (--verify) */
	sh->res = cap->saved_res;
	cap->saved_res = mine;
	if (mine.name)
		sh->last = mine;
	if (!cap->active)
		return;
	fclose(cap->out);
	fclose(cap->err);
	if (cap->trace)
		fclose(cap->trace);
	sh->out = cap->saved_out;
	sh->err = cap->saved_err;
	sh->trace_out = cap->saved_trace;
	sh->capture_depth--;
	if (cap->json) {
		json_t *o = envelope(&mine, sh, cap, lc);
		char *line = json_dumps(o, JSON_COMPACT);
		FILE *dst = cap->forced ? NULL : sh->capture_depth ? sh->json_out : sh->out;

		json_decref(o);
		if (!line)
			abort();
		if (dst) {
			fprintf(dst, "%s\n", line);
			fflush(dst);
			free(line);
		} else {
			free(cap->obuf);
			cap->obuf = line;
			cap->olen = strlen(line);
			line[cap->olen++] = '\0';
			cap->obuf[cap->olen - 1] = '\n';
		}
		free(cap->tbuf);
		cap->tbuf = NULL;
		cap->tlen = 0;
	}
	if (!cap->forced) {
		if (!cap->json)
			fwrite(cap->obuf, 1, cap->olen, sh->out);
		fwrite(cap->ebuf, 1, cap->elen, sh->err);
		fflush(sh->out);
		fflush(sh->err);
		capture_free(cap);
	}
}
