/*
 * exit_status.h -- the exit statuses of bvm, mhv and vdb, defined once.
 * The man pages (man/bvm.1, mhv.1, vdb.1) give the contract; the values follow
 * sysexits.h where it has one (65 data error, 66 no input, 70 internal
 * software error, 74 I/O error) and timeout(1)'s 124 and 125.
 */
#ifndef VMLAB_EXIT_STATUS_H
#define VMLAB_EXIT_STATUS_H

enum vmlab_exit_status {
    VMLAB_EXIT_OK = 0,
    VMLAB_EXIT_FAILED = 1,         /* vdb --batch: a command failed                       */
    VMLAB_EXIT_USAGE = 2,          /* bad flags or arguments                              */
    VMLAB_EXIT_DATA = 65,          /* bvm, vdb: the program did not compile, load or verify */
    VMLAB_EXIT_NO_INPUT = 66,      /* vdb: a script cannot be read                        */
    VMLAB_EXIT_RUNTIME = 70,       /* bvm: an uncaught exception, or fuel exhausted       */
    VMLAB_EXIT_OUTPUT = 74,        /* output could not be written                         */
    VMLAB_EXIT_GUEST_RESET = 122,  /* mhv: the guest asked for a reset (Linux's reboot); it is not restarted */
    VMLAB_EXIT_GUEST_CRASHED = 123,/* mhv: triple fault, shutdown, an exit it cannot handle */
    VMLAB_EXIT_TIMEOUT = 124,      /* mhv: --timeout passed                               */
    VMLAB_EXIT_CANNOT_RUN = 125,   /* mhv, vdb --hv: no /dev/kvm, a bad image or flag      */
};

#endif
