// Package rss reports the process's peak memory for the tests that measure big lists.
package rss
