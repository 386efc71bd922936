/* SPDX-License-Identifier: Apache-2.0 */
/* `haven signs <sub-command>`: signs' templates, print runs and lifecycle. Each group of
 * sub-commands lives in its own file (cmd_signs_template.c, ...) and is one row here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char signs_usage[] =
	"usage: haven [--db PATH] signs template list [--json]\n"
	"       haven [--db PATH] signs template show NAME [--version N]\n"
	"       haven [--db PATH] signs template set NAME FILE [--by USER]\n"
	"       haven [--db PATH] signs template preview NAME --out FILE.pdf [--version N]\n"
	"             [--size letter|tabloid|18x24|24x36] [--variant "
	"lot|building-public|non-public]\n"
	"             [--langs en,es,zh-Hans,ar] [--bleed]\n"
	"\n"
	"Sign templates are JSON documents: the city's name, the order's citation, the seal\n"
	"(a base64 PNG) and, per language (BCP 47: en es pl zh-Hans zh-Hant ar ur ko tl uk ru "
	"hi),\n"
	"whether the translation is reviewed, a heading and a body text for each variant (lot,\n"
	"building-public, non-public); \"{city}\" in a text becomes the city's name. Built in:\n"
	"'city' (city property) and 'private' (private opt-in), in all 12 languages, English\n"
	"reviewed; 'show' prints one to start from. 'set' validates a document (errors name the\n"
	"JSON path: $.languages.ar.body.lot) and stores it as the template's next version;\n"
	"earlier versions stay. Signs print from the current version. A document may name its\n"
	"seal as \"seal_png_path\" (a PNG, relative to the document): 'set' embeds it.\n"
	"'preview' renders one sample sign (its serial and QR code say SAMPLE) to review a\n"
	"template's texts as they print.\n";

struct signs_group {
	const char *name;
	int (*run)(struct hv_cli *cli, int argc, char **argv); /* argv[0] is the group's name */
};

static const struct signs_group groups[] = {
	{"template", hv_cli_signs_template},
};

static int run_signs(struct hv_cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return hv_cli_usage(&hv_cmd_signs, "which? template");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[1], groups[i].name) == 0)
			return groups[i].run(cli, argc - 1, argv + 1);
	return hv_cli_usage(&hv_cmd_signs, "no sub-command \"%s\" (template)", argv[1]);
}

const struct hv_cmd hv_cmd_signs = {
	.name = "signs",
	.run = run_signs,
	.summary = "sign templates (and print runs, lifecycle)",
	.usage = signs_usage,
};
