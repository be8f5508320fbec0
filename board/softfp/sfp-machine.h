/* sfp-machine.h - target description for sipbox's soft-float runtime.
 *
 * Written for sipbox (not copied from glibc). It tells the generic soft-fp
 * macros (glibc's soft-fp/, fetched by board/toolchain.sh from the Debian
 * glibc source package) how to work on a 32-bit MIPS o32 target that has no
 * FPU:
 *   - 32-bit machine words, multiplication and division built from the
 *     umul_ppmm / udiv_qrnnd primitives of longlong.h;
 *   - IEEE-754 "legacy" MIPS NaN encoding (quiet bit CLEAR means quiet),
 *     or the 2008 encoding when the compiler says -mnan=2008;
 *   - round to nearest only and no exception flags: musl's soft-float fenv
 *     only supports FE_TONEAREST and never reports exceptions, so the
 *     runtime must not pretend otherwise. Leaving FP_EX_* undefined makes
 *     soft-fp.h turn all exception bookkeeping into no-ops.
 */
#ifndef SIPBOX_SFP_MACHINE_H
#define SIPBOX_SFP_MACHINE_H

#if !defined(__mips__) || _MIPS_SZLONG != 32
# error "sipbox softfp: only 32-bit MIPS (o32) is described here"
#endif

/* Byte order, as soft-fp.h expects it when it is not built inside glibc. */
#define __LITTLE_ENDIAN 1234
#define __BIG_ENDIAN    4321
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
# define __BYTE_ORDER __BIG_ENDIAN
#else
# define __BYTE_ORDER __LITTLE_ENDIAN
#endif

/* Machine word used for the fraction arithmetic. */
#define _FP_W_TYPE_SIZE 32
#define _FP_W_TYPE      unsigned long
#define _FP_WS_TYPE     signed long
#define _FP_I_TYPE      long

/* Comparison routines return a word-sized int, like libgcc's. */
#define CMPtype int

/* Multiplication: full double-width products via umul_ppmm. */
#define _FP_MUL_MEAT_S(R, X, Y) \
	_FP_MUL_MEAT_1_wide(_FP_WFRACBITS_S, R, X, Y, umul_ppmm)
#define _FP_MUL_MEAT_D(R, X, Y) \
	_FP_MUL_MEAT_2_wide(_FP_WFRACBITS_D, R, X, Y, umul_ppmm)
#define _FP_MUL_MEAT_Q(R, X, Y) \
	_FP_MUL_MEAT_4_wide(_FP_WFRACBITS_Q, R, X, Y, umul_ppmm)
#define _FP_MUL_MEAT_DW_S(R, X, Y) \
	_FP_MUL_MEAT_DW_1_wide(_FP_WFRACBITS_S, R, X, Y, umul_ppmm)
#define _FP_MUL_MEAT_DW_D(R, X, Y) \
	_FP_MUL_MEAT_DW_2_wide(_FP_WFRACBITS_D, R, X, Y, umul_ppmm)
#define _FP_MUL_MEAT_DW_Q(R, X, Y) \
	_FP_MUL_MEAT_DW_4_wide(_FP_WFRACBITS_Q, R, X, Y, umul_ppmm)

/* Division: long division with the 2-word / 1-word udiv_qrnnd step. */
#define _FP_DIV_MEAT_S(R, X, Y) _FP_DIV_MEAT_1_udiv_norm(S, R, X, Y)
#define _FP_DIV_MEAT_D(R, X, Y) _FP_DIV_MEAT_2_udiv(D, R, X, Y)
#define _FP_DIV_MEAT_Q(R, X, Y) _FP_DIV_MEAT_4_udiv(Q, R, X, Y)

/* Default NaN produced by invalid operations (sign bit clear).
 * Legacy MIPS: a quiet NaN has the top fraction bit clear and all other
 * fraction bits set (0x7fbfffff, 0x7ff7ffffffffffff).
 * NaN2008: the usual IEEE quiet NaN with the top fraction bit set. */
#define _FP_NANSIGN_S 0
#define _FP_NANSIGN_D 0
#define _FP_NANSIGN_Q 0
#ifdef __mips_nan2008
# define _FP_NANFRAC_S ((_FP_QNANBIT_S << 1) - 1)
# define _FP_NANFRAC_D ((_FP_QNANBIT_D << 1) - 1), -1
# define _FP_NANFRAC_Q ((_FP_QNANBIT_Q << 1) - 1), -1, -1, -1
# define _FP_QNANNEGATEDP 0
#else
# define _FP_NANFRAC_S (_FP_QNANBIT_S - 1)
# define _FP_NANFRAC_D (_FP_QNANBIT_D - 1), -1
# define _FP_NANFRAC_Q (_FP_QNANBIT_Q - 1), -1, -1, -1
# define _FP_QNANNEGATEDP 1
#endif

/* Keep NaN payloads when converting between formats. */
#define _FP_KEEPNANFRACP 1

/* Which NaN an operation with two NaN operands returns.
 * NaN2008: the first operand, payload preserved.
 * Legacy: the first operand, unless one of them is signalling (quiet bit
 * pattern set), in which case the default NaN is returned. */
#ifdef __mips_nan2008
# define _FP_CHOOSENAN(fs, wc, R, X, Y, OP) \
	do { \
		R##_s = X##_s; \
		_FP_FRAC_COPY_##wc(R, X); \
		R##_c = FP_CLS_NAN; \
	} while (0)
#else
# define _FP_CHOOSENAN(fs, wc, R, X, Y, OP) \
	do { \
		if ((_FP_FRAC_HIGH_RAW_##fs(X) | _FP_FRAC_HIGH_RAW_##fs(Y)) \
		    & _FP_QNANBIT_##fs) { \
			R##_s = _FP_NANSIGN_##fs; \
			_FP_FRAC_SET_##wc(R, _FP_NANFRAC_##fs); \
		} else { \
			R##_s = X##_s; \
			_FP_FRAC_COPY_##wc(R, X); \
		} \
		R##_c = FP_CLS_NAN; \
	} while (0)
#endif

/* MIPS detects tininess after rounding. */
#define _FP_TININESS_AFTER_ROUNDING 1

/* The routine files use glibc's alias macro for __nedf2 = __eqdf2 etc. */
#define strong_alias(name, aliasname) \
	extern __typeof(name) aliasname __attribute__((alias(#name)));

#endif /* SIPBOX_SFP_MACHINE_H */
