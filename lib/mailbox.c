#include "mailbox.h"
