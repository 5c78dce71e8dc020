using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// C = alpha·A·Bᵀ + beta·C for few columns n (a classifier's last layer): each C[i, j] is the dot product of row i of A
/// and row j of B. A micro-kernel tile 32 columns wide would compute mostly padding, after packing all of A. Blocks of
/// 4 rows × 4 columns keep 16 vector sums, so each loaded vector serves four products. (Splitting the rows over two
/// threads gained nothing measurable at 256×256→10: the product takes about 25 µs.)
/// </summary>
internal static unsafe class RowDots
{
    /// <summary>Below this many columns, <see cref="Gemm"/> sends a product with a transposed B here.</summary>
    public const int MaxColumns = 16;

    private const int W = 16;       // floats in a Vector512
    private const int Rows = 4, Cols = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int m, int n, int k, float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
        float beta, float[] c, int cOffset, int ldc)
    {
        fixed (float* pa = &a[aOffset], pb = &b[bOffset], pc = &c[cOffset])
        {
            int i = 0;
            for (; i + Rows <= m; i += Rows)
            {
                int j = 0;
                for (; j + Cols <= n; j += Cols) Block4x4(pa + (long)i * lda, lda, pb + (long)j * ldb, ldb, k, alpha, beta, pc + (long)i * ldc + j, ldc);
                for (; j < n; j++)
                    for (int r = 0; r < Rows; r++) Put(pc + (long)(i + r) * ldc + j, Dot(pa + (long)(i + r) * lda, pb + (long)j * ldb, k), alpha, beta);
            }
            for (; i < m; i++)
                for (int j = 0; j < n; j++) Put(pc + (long)i * ldc + j, Dot(pa + (long)i * lda, pb + (long)j * ldb, k), alpha, beta);
        }
    }

    /// <summary>C[0..4, 0..4] from rows x0..x3 (lda apart) and rows y0..y3 of B (ldb apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x4(float* x, int lda, float* y, int ldb, int k, float alpha, float beta, float* c, int ldc)
    {
        float* x0 = x, x1 = x0 + lda, x2 = x1 + lda, x3 = x2 + lda;
        float* y0 = y, y1 = y0 + ldb, y2 = y1 + ldb, y3 = y2 + ldb;
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int kv = k / W * W;
        for (int p = 0; p < kv; p += W)
        {
            var b0 = Vector512.Load(y0 + p); var b1 = Vector512.Load(y1 + p); var b2 = Vector512.Load(y2 + p); var b3 = Vector512.Load(y3 + p);
            var v = Vector512.Load(x0 + p);
            s00 = Vector512.FusedMultiplyAdd(v, b0, s00); s01 = Vector512.FusedMultiplyAdd(v, b1, s01); s02 = Vector512.FusedMultiplyAdd(v, b2, s02); s03 = Vector512.FusedMultiplyAdd(v, b3, s03);
            v = Vector512.Load(x1 + p);
            s10 = Vector512.FusedMultiplyAdd(v, b0, s10); s11 = Vector512.FusedMultiplyAdd(v, b1, s11); s12 = Vector512.FusedMultiplyAdd(v, b2, s12); s13 = Vector512.FusedMultiplyAdd(v, b3, s13);
            v = Vector512.Load(x2 + p);
            s20 = Vector512.FusedMultiplyAdd(v, b0, s20); s21 = Vector512.FusedMultiplyAdd(v, b1, s21); s22 = Vector512.FusedMultiplyAdd(v, b2, s22); s23 = Vector512.FusedMultiplyAdd(v, b3, s23);
            v = Vector512.Load(x3 + p);
            s30 = Vector512.FusedMultiplyAdd(v, b0, s30); s31 = Vector512.FusedMultiplyAdd(v, b1, s31); s32 = Vector512.FusedMultiplyAdd(v, b2, s32); s33 = Vector512.FusedMultiplyAdd(v, b3, s33);
        }
        StoreRow(c, x0, y0, y1, y2, y3, kv, k, s00, s01, s02, s03, alpha, beta);
        StoreRow(c + ldc, x1, y0, y1, y2, y3, kv, k, s10, s11, s12, s13, alpha, beta);
        StoreRow(c + 2 * ldc, x2, y0, y1, y2, y3, kv, k, s20, s21, s22, s23, alpha, beta);
        StoreRow(c + 3 * ldc, x3, y0, y1, y2, y3, kv, k, s30, s31, s32, s33, alpha, beta);
    }

    /// <summary>Finishes one row of a block: the vector sums, plus the depth past the last whole vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, float* x, float* y0, float* y1, float* y2, float* y3, int kv, int k,
        Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3, float alpha, float beta)
    {
        float d0 = Vector512.Sum(s0), d1 = Vector512.Sum(s1), d2 = Vector512.Sum(s2), d3 = Vector512.Sum(s3);
        for (int p = kv; p < k; p++) { d0 += x[p] * y0[p]; d1 += x[p] * y1[p]; d2 += x[p] * y2[p]; d3 += x[p] * y3[p]; }
        Put(c, d0, alpha, beta); Put(c + 1, d1, alpha, beta); Put(c + 2, d2, alpha, beta); Put(c + 3, d3, alpha, beta);
    }

    /// <summary>One dot product of length k, in two vector chains (the FMA latency, not the loads, limits one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float* x, float* y, int k)
    {
        Vector512<float> even = default, odd = default;
        int p = 0, kv = k / W * W;
        for (; p + 2 * W <= kv; p += 2 * W)
        {
            even = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), even);
            odd = Vector512.FusedMultiplyAdd(Vector512.Load(x + p + W), Vector512.Load(y + p + W), odd);
        }
        if (p < kv) { even = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), even); p += W; }
        float d = Vector512.Sum(even + odd);
        for (; p < k; p++) d += x[p] * y[p];
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, float value, float alpha, float beta) => *c = beta == 0f ? alpha * value : alpha * value + beta * *c;
}
