#ifndef VAULT_CCURL_SHIM_H
#define VAULT_CCURL_SHIM_H

// libcurl's easy interface for vault-net (Sources/VaultNet/Curl.swift). curl_easy_setopt
// and curl_easy_getinfo are variadic, which Swift cannot call: these wrappers fix each type.
#include <curl/curl.h>
#include <malloc.h>

// Returning freed memory to the system after a burst (Sources/VaultNet/Curl.swift):
// malloc.h is not part of Swift's Glibc module.
static inline void vault_malloc_trim(void) { malloc_trim(0); }

static inline CURLcode vault_curl_setopt_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vault_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vault_curl_setopt_string(CURL *handle, CURLoption option,
                                                const char *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vault_curl_setopt_blob(CURL *handle, CURLoption option,
                                              struct curl_blob *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vault_curl_setopt_slist(CURL *handle, CURLoption option,
                                               struct curl_slist *value) {
  return curl_easy_setopt(handle, option, value);
}

typedef size_t (*vault_curl_data_callback)(char *, size_t, size_t, void *);

static inline CURLcode vault_curl_setopt_callback(CURL *handle, CURLoption option,
                                                  vault_curl_data_callback value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vault_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode vault_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
  return curl_easy_getinfo(handle, info, value);
}

#endif
