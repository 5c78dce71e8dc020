using Sprout.Nn;

namespace Sprout.Training;

/// <summary>
/// Updates parameters from their gradients. Per-parameter state (momentum, moments) is created on the first update,
/// so an optimizer may be made before deferred parameters are filled.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Parameter, float[][]> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Checks and keeps the learning rate (positive, finite) and the weight decay (0 or more).</summary>
    protected Optimizer(float learningRate, float weightDecay)
    {
        if (!(learningRate > 0 && float.IsFinite(learningRate)))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Expected a positive, finite learning rate.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Expected a weight decay >= 0.");
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size; may be changed between steps (a schedule may take it to 0, never below or to NaN/∞).</summary>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = value >= 0 && float.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: a learning rate must be finite and 0 or more; got {value}. The learning rate stays {_learningRate}.");
    }
    private float _learningRate;

    /// <summary>The L2 weight decay λ.</summary>
    public float WeightDecay { get; }

    /// <summary>
    /// The learning rate for the parameter being updated: <see cref="LearningRate"/> × its
    /// <see cref="Parameter.LearningRateMultiplier"/> (Gluon's <c>_get_lr</c>). An update rule steps by this one.
    /// </summary>
    protected float ParameterLearningRate { get; private set; }

    /// <summary>The weight decay for the parameter being updated: <see cref="WeightDecay"/> × its <see cref="Parameter.WeightDecayMultiplier"/>.</summary>
    protected float ParameterWeightDecay { get; private set; }

    /// <summary>How many steps have been taken.</summary>
    public int StepCount { get; private set; }

    internal void BeginStep() => StepCount++;

    /// <summary>Applies one update to <paramref name="weight"/> from <paramref name="grad"/> (already rescaled).</summary>
    internal void Update(Parameter p, Span<float> weight, Span<float> grad)
    {
        SelectRatesOf(p);
        Update(weight, grad, StateOf(p, weight.Length));
    }

    /// <summary>
    /// Updates <paramref name="weight"/> straight from the unscaled <paramref name="grad"/> times
    /// <paramref name="gradScale"/>, without a scaled copy, if this rule can (built-in rules, over threads); returns
    /// false, changing nothing, otherwise.
    /// </summary>
    internal bool TryUpdateFromGradient(Parameter p, Tensor weight, Tensor grad, float gradScale)
    {
        SelectRatesOf(p);
        return TryUpdateInPlace(p, weight, grad, gradScale);
    }

    /// <summary><see cref="TryUpdateFromGradient"/> once the parameter's rates are selected.</summary>
    private protected virtual bool TryUpdateInPlace(Parameter p, Tensor weight, Tensor grad, float gradScale) => false;

    private void SelectRatesOf(Parameter p) =>
        (ParameterLearningRate, ParameterWeightDecay) = (LearningRate * p.LearningRateMultiplier, WeightDecay * p.WeightDecayMultiplier);

    /// <summary>The buffers this rule keeps for <paramref name="p"/>, created on first use.</summary>
    internal float[][] StateOf(Parameter p, int length)
    {
        if (!_state.TryGetValue(p, out var state)) _state[p] = state = CreateState(length);
        return state;
    }

    /// <summary>
    /// Names of the per-parameter state arrays that carry over from step to step, in <see cref="CreateState"/>'s order
    /// (PyTorch's names where it has the same state); arrays after them are scratch, rebuilt on demand. Trainer states
    /// are saved and loaded under these names (<c>Sprout.IO.TrainerStates</c>). By default every array, as <c>state0</c>, <c>state1</c>, ….
    /// </summary>
    protected internal virtual IReadOnlyList<string> StateNames => [.. Enumerable.Range(0, CreateState(0).Length).Select(i => $"state{i}")];

    /// <summary>Every parameter's persistent state arrays, by parameter (only those an update has touched).</summary>
    internal IEnumerable<(Parameter Parameter, string Name, float[] Values)> PersistentState()
    {
        var names = StateNames;
        return _state.SelectMany(kv => names.Select((name, i) => (kv.Key, name, kv.Value[i])));
    }

    /// <summary>
    /// Replaces the whole state: the step count, and for each parameter in <paramref name="state"/> its persistent arrays
    /// (checked by the caller: one per name of <see cref="StateNames"/>, each of the parameter's length); scratch
    /// arrays are made fresh, and parameters left out start from a fresh state.
    /// </summary>
    internal void RestoreState(int stepCount, IReadOnlyDictionary<Parameter, float[][]> state)
    {
        _state.Clear();
        foreach (var (p, persistent) in state)
        {
            if (persistent.Length == 0) continue;
            var arrays = CreateState(persistent[0].Length);
            for (int i = 0; i < persistent.Length; i++) persistent[i].CopyTo(arrays[i], 0);
            _state[p] = arrays;
        }
        StepCount = stepCount;
    }

    /// <summary>Buffers an update rule keeps per parameter (each the parameter's length).</summary>
    protected abstract float[][] CreateState(int length);

    /// <summary>The update rule. <paramref name="grad"/> may be overwritten (it is a scratch copy).</summary>
    protected abstract void Update(Span<float> weight, Span<float> grad, float[][] state);
}
