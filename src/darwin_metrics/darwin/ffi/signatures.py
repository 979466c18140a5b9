"""C prototypes of every native function darwin-metrics calls, as ctypes types.

One table per library: ``name: (restype, argtypes)``. The loader applies them when it opens the
library, so that ctypes converts and checks arguments instead of guessing (a guessed ``int`` return
would truncate every pointer). Mach types: ``mach_port_t``/``host_t``/``io_object_t`` are 32-bit;
``kern_return_t`` is ``int``; ``vm_address_t``/``vm_size_t`` are pointer-sized; CoreFoundation
references are ``void *`` and ``CFIndex`` is ``long``; ``Boolean`` is an unsigned char.

Variadic functions (``ioctl``) are deliberately absent: on arm64 macOS variadic arguments go on the
stack, which ctypes does not do for prototyped calls. ioctls use :func:`fcntl.ioctl` instead.
"""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_long,
    c_size_t,
    c_uint,
    c_uint32,
    c_uint64,
    c_ulong,
    c_void_p,
)
from typing import Any

from darwin_metrics.darwin.ffi.structs import Ifaddrs

Signature = tuple[Any, tuple[Any, ...]]

mach_port_t = c_uint32
kern_return_t = c_int
io_object_t = c_uint32
CFIndex = c_long
CFTypeRef = c_void_p
CFTypeID = c_ulong

LIBSYSTEM: dict[str, Signature] = {
    # int sysctl(int *name, u_int namelen, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    "sysctl": (c_int, (POINTER(c_int), c_uint, c_void_p, POINTER(c_size_t), c_void_p, c_size_t)),
    # int sysctlbyname(const char *, void *, size_t *, void *, size_t)
    "sysctlbyname": (c_int, (c_char_p, c_void_p, POINTER(c_size_t), c_void_p, c_size_t)),
    "mach_host_self": (mach_port_t, ()),
    "mach_port_deallocate": (kern_return_t, (mach_port_t, mach_port_t)),
    # host_statistics64(host, flavor, host_info64_t info, mach_msg_type_number_t *count)
    "host_statistics64": (kern_return_t, (mach_port_t, c_int, c_void_p, POINTER(c_uint32))),
    # host_processor_info(host, flavor, natural_t *count, processor_info_array_t *info,
    #                     mach_msg_type_number_t *info_count)
    "host_processor_info": (
        kern_return_t,
        (mach_port_t, c_int, POINTER(c_uint32), POINTER(c_void_p), POINTER(c_uint32)),
    ),
    # vm_deallocate(vm_map_t task, vm_address_t address, vm_size_t size)
    "vm_deallocate": (kern_return_t, (mach_port_t, c_size_t, c_size_t)),
    # int proc_pidinfo(int pid, int flavor, uint64_t arg, void *buffer, int buffersize)
    "proc_pidinfo": (c_int, (c_int, c_int, c_uint64, c_void_p, c_int)),
    # int proc_pid_rusage(int pid, int flavor, rusage_info_t *buffer)
    "proc_pid_rusage": (c_int, (c_int, c_int, c_void_p)),
    "getifaddrs": (c_int, (POINTER(POINTER(Ifaddrs)),)),
    "freeifaddrs": (None, (POINTER(Ifaddrs),)),
    # int getfsstat(struct statfs *buf, int bufsize, int mode)
    "getfsstat": (c_int, (c_void_p, c_int, c_int)),
    # int getattrlist(const char *path, void *attrList, void *attrBuf, size_t size, u_int32 options)
    "getattrlist": (c_int, (c_char_p, c_void_p, c_void_p, c_size_t, c_uint32)),
    # uint32_t notify_register_check(const char *name, int *out_token)
    "notify_register_check": (c_uint32, (c_char_p, POINTER(c_int))),
    # uint32_t notify_get_state(int token, uint64_t *state)
    "notify_get_state": (c_uint32, (c_int, POINTER(c_uint64))),
    "notify_cancel": (c_uint32, (c_int,)),
    # uint32_t notify_check(int token, int *check): *check = 1 when the name was posted since
    "notify_check": (c_uint32, (c_int, POINTER(c_int))),
}

IOKIT: dict[str, Signature] = {
    "IOServiceMatching": (CFTypeRef, (c_char_p,)),
    "IOServiceGetMatchingServices": (kern_return_t, (mach_port_t, CFTypeRef, POINTER(io_object_t))),
    "IOServiceGetMatchingService": (io_object_t, (mach_port_t, CFTypeRef)),
    "IOIteratorNext": (io_object_t, (io_object_t,)),
    "IOObjectRelease": (kern_return_t, (io_object_t,)),
    "IOObjectConformsTo": (c_uint32, (io_object_t, c_char_p)),
    # kern_return_t IORegistryEntryGetName(io_registry_entry_t, io_name_t /* char[128] */)
    "IORegistryEntryGetName": (kern_return_t, (io_object_t, c_void_p)),
    "IORegistryEntryCreateCFProperties": (
        kern_return_t,
        (io_object_t, POINTER(CFTypeRef), CFTypeRef, c_uint32),
    ),
    "IORegistryEntryGetParentEntry": (kern_return_t, (io_object_t, c_char_p, POINTER(io_object_t))),
    "IORegistryEntryGetChildIterator": (
        kern_return_t,
        (io_object_t, c_char_p, POINTER(io_object_t)),
    ),
    "IORegistryEntryFromPath": (io_object_t, (mach_port_t, c_char_p)),
    # kern_return_t IORegistryEntryGetRegistryEntryID(io_registry_entry_t, uint64_t *entryID)
    "IORegistryEntryGetRegistryEntryID": (kern_return_t, (io_object_t, POINTER(c_uint64))),
    "IOPSCopyPowerSourcesInfo": (CFTypeRef, ()),
    "IOPSCopyPowerSourcesList": (CFTypeRef, (CFTypeRef,)),
    "IOPSGetPowerSourceDescription": (CFTypeRef, (CFTypeRef, CFTypeRef)),
    "IOPSCopyExternalPowerAdapterDetails": (CFTypeRef, ()),
    # kern_return_t IOServiceOpen(io_service_t, task_port_t owningTask, uint32_t type,
    #                             io_connect_t *connect)
    "IOServiceOpen": (kern_return_t, (io_object_t, mach_port_t, c_uint32, POINTER(io_object_t))),
    "IOServiceClose": (kern_return_t, (io_object_t,)),
    # kern_return_t IOConnectCallStructMethod(mach_port_t connection, uint32_t selector,
    #     const void *input, size_t inputSize, void *output, size_t *outputSize)
    "IOConnectCallStructMethod": (
        kern_return_t,
        (mach_port_t, c_uint32, c_void_p, c_size_t, c_void_p, POINTER(c_size_t)),
    ),
    # IOHIDEventSystemClient (private; the prototypes the HID sensor readers declare)
    "IOHIDEventSystemClientCreate": (CFTypeRef, (CFTypeRef,)),
    "IOHIDEventSystemClientSetMatching": (c_int, (CFTypeRef, CFTypeRef)),
    "IOHIDEventSystemClientCopyServices": (CFTypeRef, (CFTypeRef,)),
    "IOHIDServiceClientCopyProperty": (CFTypeRef, (CFTypeRef, CFTypeRef)),
    # IOHIDEventRef IOHIDServiceClientCopyEvent(service, int64_t type, int32_t options, int64_t)
    "IOHIDServiceClientCopyEvent": (CFTypeRef, (CFTypeRef, c_int64, c_int32, c_int64)),
    # double IOHIDEventGetFloatValue(IOHIDEventRef, int32_t field)  (IOHIDFloat is double on LP64)
    "IOHIDEventGetFloatValue": (c_double, (CFTypeRef, c_int32)),
    # IOReturn IOPMCopyAssertionsByProcess(CFDictionaryRef *AssertionsByPID) (IOPMLib.h; Copy rule)
    "IOPMCopyAssertionsByProcess": (kern_return_t, (POINTER(CFTypeRef),)),
    # IOReturn IOPMCopyCPUPowerStatus(CFDictionaryRef *cpuPowerStatus) (IOPMLib.h; Copy rule)
    "IOPMCopyCPUPowerStatus": (kern_return_t, (POINTER(CFTypeRef),)),
}

COREFOUNDATION: dict[str, Signature] = {
    "CFRelease": (None, (CFTypeRef,)),
    "CFGetTypeID": (CFTypeID, (CFTypeRef,)),
    "CFStringGetTypeID": (CFTypeID, ()),
    "CFNumberGetTypeID": (CFTypeID, ()),
    "CFBooleanGetTypeID": (CFTypeID, ()),
    "CFDataGetTypeID": (CFTypeID, ()),
    "CFDictionaryGetTypeID": (CFTypeID, ()),
    "CFArrayGetTypeID": (CFTypeID, ()),
    # CFStringRef CFStringCreateWithCString(CFAllocatorRef, const char *, CFStringEncoding)
    "CFStringCreateWithCString": (CFTypeRef, (CFTypeRef, c_char_p, c_uint32)),
    "CFStringGetLength": (CFIndex, (CFTypeRef,)),
    "CFStringGetMaximumSizeForEncoding": (CFIndex, (CFIndex, c_uint32)),
    # Boolean CFStringGetCString(CFStringRef, char *buffer, CFIndex size, CFStringEncoding)
    "CFStringGetCString": (c_bool, (CFTypeRef, c_void_p, CFIndex, c_uint32)),
    "CFNumberIsFloatType": (c_bool, (CFTypeRef,)),
    # Boolean CFNumberGetValue(CFNumberRef, CFNumberType /* CFIndex */, void *valuePtr)
    "CFNumberGetValue": (c_bool, (CFTypeRef, CFIndex, c_void_p)),
    "CFBooleanGetValue": (c_bool, (CFTypeRef,)),
    "CFDataGetLength": (CFIndex, (CFTypeRef,)),
    "CFDataGetBytePtr": (c_void_p, (CFTypeRef,)),
    "CFDictionaryGetCount": (CFIndex, (CFTypeRef,)),
    "CFDictionaryGetKeysAndValues": (None, (CFTypeRef, POINTER(CFTypeRef), POINTER(CFTypeRef))),
    "CFArrayGetCount": (CFIndex, (CFTypeRef,)),
    "CFArrayGetValueAtIndex": (CFTypeRef, (CFTypeRef, CFIndex)),
    # CFMutableDictionaryRef CFDictionaryCreateMutableCopy(CFAllocatorRef, CFIndex, CFDictionaryRef)
    "CFDictionaryCreateMutableCopy": (CFTypeRef, (CFTypeRef, CFIndex, CFTypeRef)),
    "CFDictionaryGetValue": (CFTypeRef, (CFTypeRef, CFTypeRef)),
    # CFNumberRef CFNumberCreate(CFAllocatorRef, CFNumberType, const void *valuePtr)
    "CFNumberCreate": (CFTypeRef, (CFTypeRef, CFIndex, c_void_p)),
    # CFDictionaryRef CFDictionaryCreate(CFAllocatorRef, const void **keys, const void **values,
    #     CFIndex numValues, const CFDictionaryKeyCallBacks *, const CFDictionaryValueCallBacks *)
    "CFDictionaryCreate": (
        CFTypeRef,
        (CFTypeRef, POINTER(CFTypeRef), POINTER(CFTypeRef), CFIndex, c_void_p, c_void_p),
    ),
}

#: libIOReport (private, no header; prototypes as macmon and asitop's bindings declare them).
IOREPORT: dict[str, Signature] = {
    # CFDictionaryRef IOReportCopyChannelsInGroup(CFStringRef group, CFStringRef subgroup,
    #                                              uint64_t, uint64_t, uint64_t)
    "IOReportCopyChannelsInGroup": (
        CFTypeRef,
        (CFTypeRef, CFTypeRef, c_uint64, c_uint64, c_uint64),
    ),
    # IOReportSubscriptionRef IOReportCreateSubscription(void *, CFMutableDictionaryRef desired,
    #     CFMutableDictionaryRef *subscribed, uint64_t channel_id, CFTypeRef)
    "IOReportCreateSubscription": (
        CFTypeRef,
        (c_void_p, CFTypeRef, POINTER(CFTypeRef), c_uint64, CFTypeRef),
    ),
    # CFDictionaryRef IOReportCreateSamples(IOReportSubscriptionRef, CFMutableDictionaryRef, CFTypeRef)
    "IOReportCreateSamples": (CFTypeRef, (CFTypeRef, CFTypeRef, CFTypeRef)),
    "IOReportChannelGetGroup": (CFTypeRef, (CFTypeRef,)),
    "IOReportChannelGetChannelName": (CFTypeRef, (CFTypeRef,)),
    "IOReportChannelGetUnitLabel": (CFTypeRef, (CFTypeRef,)),
    # CFDictionaryRef IOReportCreateSamplesDelta(CFDictionaryRef prev, CFDictionaryRef cur, CFTypeRef)
    "IOReportCreateSamplesDelta": (CFTypeRef, (CFTypeRef, CFTypeRef, CFTypeRef)),
    "IOReportStateGetCount": (c_int32, (CFTypeRef,)),
    "IOReportStateGetNameForIndex": (CFTypeRef, (CFTypeRef, c_int32)),
    "IOReportStateGetResidency": (c_int64, (CFTypeRef, c_int32)),
    # int64_t IOReportSimpleGetIntegerValue(CFDictionaryRef channel, int32_t index)
    "IOReportSimpleGetIntegerValue": (c_int64, (CFTypeRef, c_int32)),
}

#: The Objective-C runtime. ``objc_msgSend`` is not in the table: it is called through a function
#: pointer of the exact type of each message (see :mod:`darwin_metrics.darwin.ffi.objc`).
OBJC: dict[str, Signature] = {
    "objc_getClass": (c_void_p, (c_char_p,)),
    "sel_registerName": (c_void_p, (c_char_p,)),
    "objc_autoreleasePoolPush": (c_void_p, ()),
    "objc_autoreleasePoolPop": (None, (c_void_p,)),
    "objc_release": (None, (c_void_p,)),
}

#: Metal: ``NSArray<id<MTLDevice>> *MTLCopyAllDevices(void)`` (a +1 reference: objc_release it).
METAL: dict[str, Signature] = {
    "MTLCopyAllDevices": (c_void_p, ()),
}

SIGNATURES: dict[str, dict[str, Signature]] = {
    "libSystem": LIBSYSTEM,
    "IOKit": IOKIT,
    "CoreFoundation": COREFOUNDATION,
    "IOReport": IOREPORT,
    "objc": OBJC,
    "Foundation": {},
    "CoreWLAN": {},
    "Metal": METAL,
}

#: Exported variables read with ``in_dll``: ``vm_size_t vm_kernel_page_size`` and the Mach
#: ``mach_task_self_`` port behind the ``mach_task_self()`` macro.
GLOBALS: dict[str, Any] = {
    "vm_kernel_page_size": ctypes.c_size_t,
    "mach_task_self_": mach_port_t,
}
