/* powi.c - __powisf2 / __powidf2 for sipbox's soft-float runtime.
 *
 * Written for sipbox. gcc emits calls to these for __builtin_powi and for
 * pow(x, small-int) at -ffast-math. Debian's hard-float libgcc versions
 * use FPU instructions, so the soft-float boards get these instead; the
 * arithmetic below becomes __mulsf3/__divsf3 (or df) calls from libsoftfp.
 * Same algorithm as libgcc: square-and-multiply, then one reciprocal for a
 * negative exponent.
 */
float __powisf2(float x, int n);
double __powidf2(double x, int n);

float __powisf2(float x, int n)
{
	unsigned int e = n < 0 ? -(unsigned int)n : (unsigned int)n;
	float r = (e & 1) ? x : 1.0f;

	while (e >>= 1) {
		x = x * x;
		if (e & 1)
			r = r * x;
	}
	return n < 0 ? 1.0f / r : r;
}

double __powidf2(double x, int n)
{
	unsigned int e = n < 0 ? -(unsigned int)n : (unsigned int)n;
	double r = (e & 1) ? x : 1.0;

	while (e >>= 1) {
		x = x * x;
		if (e & 1)
			r = r * x;
	}
	return n < 0 ? 1.0 / r : r;
}
