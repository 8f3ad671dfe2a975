# Repairs widl 8's -Oif output for "[out] LPWSTR *" parameters.
#
#   awk -f fix_string_outs.awk proxy.c proxy.c > fixed.c
#
# For an out-only pointer to a string pointer widl writes the right type
# description,
#     N:   FC_RP [allocated_on_stack] [pointer_deref] -> N+4
#     N+4: FC_OP/FC_UP [simple_pointer] FC_C_WSTRING
# but points the parameter at N+4 (the string pointer) instead of N (the
# reference to it).  The NDR engine then marshals the address of the
# server's pointer as if it were the string, and the client gets NULL or
# garbage: every string output of every interface fails.  Pointing the
# parameter at N is what MIDL emits and what rpcrt4's interpreter expects
# (the same shape already works for "byte **" outputs).
#
# Pass 1 (first file argument) finds every such N+4 in the type format
# string; pass 2 (second argument, the same file) prints the file with the
# out-only parameters that use N+4 pointed at N.  Nothing else changes.

FNR == NR {
    if ($0 ~ /^\/\* +[0-9]+ /) {
        offset = $0
        sub(/^\/\* +/, "", offset)
        label = offset + 0
        expect = ""
    }
    if ($0 ~ /0x11, 0x14,.*FC_RP \[allocated_on_stack\] \[pointer_deref\]/) {
        rp = label
        expect = "offset"
        next
    }
    if (expect == "offset" && $0 ~ /NdrFcShort\(0x2\),.*Offset= 2 \(/) {
        ref_of[rp + 4] = rp
        expect = ""
        next
    }
    # At the target: a simple unique/full pointer to a conformant string.
    if ((label in ref_of) && $0 ~ /0x1[23], 0x8,.*\[simple_pointer\]/)
        pointer_at[label] = 1
    if ((label - 2) in pointer_at && $0 ~ /0x2[25],.*FC_C_(W|C)STRING/) {
        string_ptr[label - 2] = ref_of[label - 2]
        descriptors++
    }
    next
}

/NdrFcShort\(0x[0-9a-f]+\),.*flags: .*out.*srv size=/ && $0 !~ / in[,*]/ {
    out_only = 1
    print
    next
}

out_only && match($0, /type offset = [0-9]+ \*\//) {
    out_only = 0
    target = substr($0, RSTART + 14, RLENGTH - 17) + 0
    if (target in string_ptr) {
        sub(/NdrFcShort\(0x[0-9a-f]+\),.*$/,
            sprintf("NdrFcShort(0x%x),\t/* type offset = %d (was %d, see fix_string_outs.awk) */",
                    string_ptr[target], string_ptr[target], target))
        fixed++
    }
    print
    next
}

{ print }

/\/\* [0-9]+ \(parameter / { out_only = 0 }

# No descriptor at all means widl's output looks different from what this
# script knows: fail rather than ship proxies that lose every string.  (A
# widl that gets the offsets right leaves nothing to fix; qmgrprxy_test
# checks the result either way.)
END {
    if (!descriptors) {
        print "fix_string_outs.awk: no string output descriptors found; widl output changed?" > "/dev/stderr"
        exit 1
    }
}
