using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// A learnable tensor with a lifecycle: Declared → (Initialize) → Deferred → (first forward) → Initialized.
/// Its <see cref="Shape"/> may hold unknown dimensions (-1) that are only ever refined, never overwritten.
/// The object is the same before and after it is filled, so a trainer, a clone or a type check made early keeps working.
/// Its state lives in a slot that tied parameters share (<see cref="Block.ShareParameters"/>), so a layer may keep its
/// parameter in a field and still compute with the shared values.
/// </summary>
public sealed class Parameter
{
    private ParameterSlot _slot;

    /// <summary>A parameter named <paramref name="name"/> of <paramref name="shape"/> (unknown dimensions −1); its role follows from the name unless given.</summary>
    public Parameter(string name, Shape shape, Initializer? initializer = null, ParameterRole? role = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Initializer = initializer;
        Role = role ?? ParameterRoles.FromName(name);
        _slot = new ParameterSlot(this, shape);
    }

    private Parameter(Parameter source)
    {
        (Name, Initializer, Role, _slot) = (source.Name, source.Initializer, source.Role, source._slot);
        IsBuffer = source.IsBuffer;
    }

    /// <summary>The local name given by the layer (<c>weight</c>).</summary>
    public string Name { get; }

    /// <summary>The structural path from the top of the network its block sits in (<c>0.weight</c>), else <see cref="Name"/>.</summary>
    public string Path => Owner?.PathOf(Name) ?? Name;

    /// <summary>The block that declared it (for its path).</summary>
    internal IParameterOwner? Owner { get; set; }

    /// <summary>What it is for (weight, bias, gamma, …); the default initializer dispatches on it.</summary>
    public ParameterRole Role { get; }

    /// <summary>True for a buffer (non-trained state such as running statistics): saved and loaded, never optimized.</summary>
    public bool IsBuffer { get; internal init; }

    /// <summary>The layer's own initializer; it wins over the one passed to <c>Initialize</c> and fills the parameter as given.</summary>
    public Initializer? Initializer { get; }

    /// <summary>The shape; unknown dimensions are -1 until inferred.</summary>
    public Shape Shape => _slot.Shape;

    /// <summary>Declared, Deferred or Initialized.</summary>
    public ParameterState State => _slot.State;

    /// <summary>Whether it holds data.</summary>
    public bool IsInitialized => _slot.State == ParameterState.Initialized;

    /// <summary>How backward treats this parameter's gradient (Write by default; Null leaves it out of training).</summary>
    public GradReq GradReq
    {
        get => _slot.GradReq;
        set => _slot.GradReq = value;
    }

    /// <summary>
    /// Scales the optimizer's learning rate for this parameter (1 by default; Gluon's <c>lr_mult</c>, PyTorch's per-group
    /// <c>lr</c>): the book fine-tunes a pretrained network with its new output layer at 10×. 0 or more, finite.
    /// </summary>
    public float LearningRateMultiplier
    {
        get => _slot.LearningRateMultiplier;
        set => _slot.LearningRateMultiplier = CheckMultiplier(value, nameof(LearningRateMultiplier));
    }

    /// <summary>
    /// Scales the optimizer's weight decay for this parameter (1 by default; Gluon's <c>wd_mult</c>, PyTorch's per-group
    /// <c>weight_decay</c>): 0 leaves biases and normalization scales undecayed. 0 or more, finite.
    /// </summary>
    public float WeightDecayMultiplier
    {
        get => _slot.WeightDecayMultiplier;
        set => _slot.WeightDecayMultiplier = CheckMultiplier(value, nameof(WeightDecayMultiplier));
    }

    private float CheckMultiplier(float value, string name) => value >= 0 && float.IsFinite(value) ? value
        : throw new ArgumentOutOfRangeException(name, value, $"Parameter '{Path}': {name} must be finite and 0 or more; got {value}. It stays {(name == nameof(LearningRateMultiplier) ? LearningRateMultiplier : WeightDecayMultiplier)}.");

    /// <summary>Whether this parameter shares its values with <paramref name="other"/> (the same object, or tied to it).</summary>
    public bool IsTiedTo(Parameter other) => ReferenceEquals(_slot, other?._slot);

    internal ParameterSlot Slot => _slot;

    /// <summary>The data; throws <see cref="DeferredInitializationException"/> or <see cref="UninitializedParameterException"/> before it is filled.</summary>
    public Tensor Data() => _slot.Data();

    /// <summary>The gradient from the last backward pass; same rules as <see cref="Data"/>, and an error for a frozen parameter (<see cref="GradReq.Null"/>), which keeps none.</summary>
    public Tensor Grad() => _slot.Grad();

    /// <summary>Sets the gradient to zero, if the parameter keeps one (filled and not frozen).</summary>
    internal void ZeroGrad()
    {
        if (IsInitialized && GradReq != GradReq.Null) Grad().AsSpan().Clear();
    }

    /// <summary>
    /// Sets the values. Before the shape is fully known, <paramref name="value"/> must agree with every known dimension;
    /// it then fixes the shape and fills the parameter (no initializer runs). After, the shapes must be equal.
    /// </summary>
    public void SetData(Tensor value) => _slot.SetData(value);

    /// <summary>
    /// Records how to fill this one parameter (its own initializer wins over <paramref name="init"/>): now if its shape is
    /// known, else at the first forward. An initialized parameter is left alone unless <paramref name="forceReinit"/>.
    /// Each call draws a new initialization, as a network's <c>Initialize()</c> does.
    /// </summary>
    public void Initialize(Initializer? init = null, bool forceReinit = false) =>
        _slot.Initialize(init ?? Init.Initializer.Default, Rng.InitializationKey(Path, Rng.NextInitialization()), forceReinit);

    internal void Initialize(Initializer init, string streamKey, bool forceReinit) => _slot.Initialize(init, streamKey, forceReinit);

    internal void Refine(Shape proposed, Func<Shape, Shape, ShapeMismatchException> describe) => _slot.Refine(proposed, describe);

    internal void MaterializeIfReady() => _slot.MaterializeIfReady();

    internal Exception NotReady(string action) => _slot.NotReady(action);

    /// <summary>Makes this parameter read and train <paramref name="shared"/>'s values from now on.</summary>
    internal void TieTo(Parameter shared) => _slot = shared._slot;

    /// <summary>
    /// A copy with its own slot (values copied), found in or added to <paramref name="copies"/>: parameters tied in the
    /// original are tied in the copy.
    /// </summary>
    internal Parameter CloneWith(Dictionary<object, object> copies)
    {
        if (copies.TryGetValue(this, out var done)) return (Parameter)done;
        var copy = new Parameter(this);
        copies[this] = copy;
        var primary = ReferenceEquals(_slot.Primary, this) ? copy : _slot.Primary.CloneWith(copies);
        if (!copies.TryGetValue(_slot, out var slot)) copies[_slot] = slot = _slot.Clone(primary);
        copy._slot = (ParameterSlot)slot;
        return copy;
    }

    /// <summary>As the seed prints it: <c>Parameter 0.weight (shape=(256, -1), dtype=float32)</c>.</summary>
    public override string ToString() => $"Parameter {Path} (shape={Shape}, dtype=float32)";
}
