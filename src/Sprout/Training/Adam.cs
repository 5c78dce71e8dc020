using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>
/// Adam (Kingma and Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
/// Weight decay is L2 (added to the gradient) unless <c>decoupled</c>, which is AdamW (Loshchilov and Hutter):
/// w ← w − ηλw, applied apart from the adaptive step.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Adam with the usual settings; <paramref name="decoupled"/> makes the weight decay AdamW's.</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, bool decoupled = false)
        : base(learningRate, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Expected beta1 in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Expected beta2 in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");
        (Beta1, Beta2, Epsilon, Decoupled) = (beta1, beta2, epsilon, decoupled);
    }

    /// <summary>The decay of the first-moment average.</summary>
    public float Beta1 { get; }
    /// <summary>The decay of the second-moment average.</summary>
    public float Beta2 { get; }
    /// <summary>Added to √v̂ in the denominator.</summary>
    public float Epsilon { get; }
    /// <summary>Whether the weight decay is decoupled (AdamW) rather than added to the gradient.</summary>
    public bool Decoupled { get; }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<string> StateNames => ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override float[][] CreateState(int length) => [new float[length], new float[length], new float[length]];

    /// <inheritdoc/>
    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (ParameterWeightDecay > 0)
        {
            if (Decoupled) TensorPrimitives.Multiply(weight, 1f - ParameterLearningRate * ParameterWeightDecay, weight);
            else TensorPrimitives.MultiplyAdd(weight, ParameterWeightDecay, grad, grad);
        }
        Span<float> m = state[0], v = state[1], scratch = state[2];
        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(grad, 1f - Beta1, m, m);
        TensorPrimitives.Multiply(grad, grad, scratch);
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(scratch, 1f - Beta2, v, v);

        int t = StepCount;
        float correction1 = 1f - MathF.Pow(Beta1, t), correction2 = 1f - MathF.Pow(Beta2, t);
        // scratch = √(v / c₂) + ε ; step = η/c₁ · m / scratch
        TensorPrimitives.Multiply(v, 1f / correction2, scratch);
        TensorPrimitives.Sqrt(scratch, scratch);
        TensorPrimitives.Add(scratch, Epsilon, scratch);
        TensorPrimitives.Divide(m, scratch, scratch);
        TensorPrimitives.MultiplyAdd(scratch, -ParameterLearningRate / correction1, weight, weight);
    }
}
