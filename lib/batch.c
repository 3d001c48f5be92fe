/* SPDX-License-Identifier: EUPL-1.2 */
/* Splitting a batch print job into letters (batch.h). */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "batchbundle.h"

int mm_batch_manifest_parse(const char *data, size_t len, const char *type, mm_batch_manifest *out,
                            mm_error *err)
{
    (void)data;
    (void)len;
    (void)type;
    memset(out, 0, sizeof *out);
    return mm_error_set(err, MM_ERR_SYSTEM, 0, "not yet implemented");
}

void mm_batch_manifest_free(mm_batch_manifest *m)
{
    free(m->rows);
    memset(m, 0, sizeof *m);
}

int mm_batch_plan_make(const char *pdf_path, const mm_batch_request *req, mm_batch_plan *out, mm_error *err)
{
    (void)pdf_path;
    (void)req;
    memset(out, 0, sizeof *out);
    return mm_error_set(err, MM_ERR_SYSTEM, 0, "not yet implemented");
}

void mm_batch_plan_free(mm_batch_plan *plan)
{
    free(plan->letters);
    memset(plan, 0, sizeof *plan);
}

int mm_batch_split_write(const char *pdf_path, const mm_batch_plan *plan, const char *out_dir, mm_error *err)
{
    (void)pdf_path;
    (void)plan;
    (void)out_dir;
    return mm_error_set(err, MM_ERR_SYSTEM, 0, "not yet implemented");
}

int mm_batch_split_parse(const char *word, mm_split_mode *mode, int *pages_n, mm_error *err)
{
    static const struct {
        const char *w;
        mm_split_mode m;
    } words[] = {{"auto", MM_SPLIT_AUTO}, {"manifest", MM_SPLIT_MANIFEST}, {"outline", MM_SPLIT_OUTLINE},
                 {"text", MM_SPLIT_TEXT}};
    if (!mm_batch_split_valid(word, pages_n))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown split (auto, manifest, outline, text, pages:N)");
    *mode = MM_SPLIT_PAGES;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(word, words[i].w))
            *mode = words[i].m;
    return 0;
}

const char *mm_batch_split_name(mm_split_mode mode)
{
    switch (mode) {
    case MM_SPLIT_MANIFEST: return "manifest";
    case MM_SPLIT_OUTLINE: return "outline";
    case MM_SPLIT_PAGES: return "pages";
    case MM_SPLIT_TEXT: return "text";
    default: return "auto";
    }
}

const char *mm_batch_doubt_name(mm_batch_doubt code)
{
    static const char *const names[] = {"ok", "pages-remainder", "outline-order", "outline-start", "no-outline",
                                        "text-leading", "text-no-start", "manifest-cover", "no-manifest",
                                        "too-many-pages", "too-many-letters"};
    return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}
