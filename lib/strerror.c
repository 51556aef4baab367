// SPDX-License-Identifier: MIT
/* strerror.c - names and sentences for kreloc error codes (see error.h). */
#include <kreloc/error.h>

#define KRELOC_ERROR_TEXT_(name, value, text) case value: return text;
#define KRELOC_ERROR_NAME_(name, value, text) case value: return #name;

const char *kreloc_strerror(int err)
{
	switch (err) {
	KRELOC_ERRORS(KRELOC_ERROR_TEXT_)
	}
	return "unknown error";
}

const char *kreloc_errname(int err)
{
	switch (err) {
	KRELOC_ERRORS(KRELOC_ERROR_NAME_)
	}
	return "E_UNKNOWN";
}
