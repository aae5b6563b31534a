/*
 * terminal.c -- terminfo's view of the terminal (terminal.h).
 */
#include "terminal.h"

#include <curses.h>
#include <term.h>
#include <unistd.h>

bool vdb_terminal_known(void)
{
    int found = 0;
    if (setupterm(NULL, STDOUT_FILENO, &found) != OK || found != 1)
        return false;
    del_curterm(cur_term); /* newterm reads the description again */
    return true;
}
