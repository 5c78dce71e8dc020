using Sprout.Kernels;

namespace Sprout.Tests.Kernels;

/// <summary>The small-product path (A read in place, B in place or packed) against a double-precision reference.</summary>
public class SmallGemmTests
{
    [Theory]
    [MemberData(nameof(GemmTests.Kernels), MemberType = typeof(GemmTests))]
    public void Matches_the_reference_at_odd_sizes_offsets_and_both_transposes(string name)
    {
        IMicroKernel kernel = name switch { "512" => new MicroKernel512(), "256" => new MicroKernel256(), _ => new MicroKernelScalar() };
        var rng = Rng.Stream(11, "small gemm " + name);
        for (int trial = 0; trial < 48; trial++)
        {
            int m = 1 + rng.NextInt32(70), n = 1 + rng.NextInt32(70), k = 1 + rng.NextInt32(130);
            if (trial % 6 == 0) (m, n, k) = (64, 64, 64);   // attention's shape, B rows on whole cache lines or not
            bool ta = trial % 2 == 1, tb = trial / 2 % 2 == 1;
            int pad = trial % 3 * 16 + trial % 4, aOff = trial % 5, bOff = trial % 7 * 16 % 48, cOff = 1;
            int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad % 3;
            var a = new float[aOff + (ta ? k : m) * lda];
            var b = new float[bOff + (tb ? n : k) * ldb];
            var c = new float[cOff + m * ldc + 1];
            rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1);
            c.AsSpan().Fill(float.NaN);
            SmallGemm.Multiply(kernel, ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                        s += (double)(ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]) * (tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
                    float got = c[cOff + i * ldc + j];
                    Assert.True(Math.Abs(got - s) <= 1e-5 * (k + 1), $"{name} m={m} n={n} k={k} ta={ta} tb={tb}: C[{i},{j}] = {got}, expected {s}");
                }
            Assert.True(float.IsNaN(c[0]) && float.IsNaN(c[^1]), "wrote outside C");
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++) Assert.True(float.IsNaN(c[cOff + i * ldc + j]), $"wrote into the padding of row {i}");
        }
    }
}
