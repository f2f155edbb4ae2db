/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "engine.h"
