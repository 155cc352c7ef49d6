/*
 * bcryptprimitives.dll for running the Windows ccsync.exe under Wine 8 — TEST ONLY, never shipped.
 *
 * Why: Rust's standard library (1.78 and later) gets its random bytes from ProcessPrng, which it
 * imports from bcryptprimitives.dll. Every Windows 10/11 has that DLL; Wine 8 (Debian 12's wine64)
 * does not, so the .exe stops at load time before main(). scripts/test-windows.sh builds this file
 * with mingw into a DLL of that name and places it beside the .exe in its temporary folder only;
 * Windows loads its own system copy first, so this shim has no part in any real installation.
 *
 * ProcessPrng forwards to RtlGenRandom (advapi32's SystemFunction036), which Wine implements with
 * the host's random source. ProcessPrng takes a SIZE_T length and RtlGenRandom a ULONG one: large
 * requests are served in chunks. The real ProcessPrng never fails; this one returns FALSE only if
 * RtlGenRandom does.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
