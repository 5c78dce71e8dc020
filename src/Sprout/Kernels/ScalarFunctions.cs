namespace Sprout.Kernels;

/// <summary>Scalar functions the element-wise loops need that <c>TensorPrimitives</c> lacks.</summary>
internal static class ScalarFunctions
{
    /// <summary>
    /// The error function, to float precision: its Taylor series below |x| = 0.5 (terms to x¹³, below 1e-8), else
    /// 1 − erfc(|x|) from the Chebyshev fit of Numerical Recipes (relative error of erfc below 1.2e-7).
    /// </summary>
    public static float Erf(float x)
    {
        double z = Math.Abs((double)x);
        if (z < 0.5)
        {
            double x2 = z * z;
            double series = z * (1 - x2 * (1.0 / 3 - x2 * (1.0 / 10 - x2 * (1.0 / 42 - x2 * (1.0 / 216 - x2 * (1.0 / 1320 - x2 / 9360))))));
            return (float)(Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * series);
        }
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                      + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return (float)(Math.Sign(x) * (1 - erfc));
    }

    /// <summary>log(1 + eˣ), stable for large |x|.</summary>
    public static float Softplus(float x) => x > 20f ? x : x < -20f ? MathF.Exp(x) : MathF.Log(1f + MathF.Exp(x));

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
