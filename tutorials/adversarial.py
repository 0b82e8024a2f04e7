# %% [markdown]
# # Adversarial examples and adversarial training
#
# **Recipe:** `recipes.adversarial` · **Run:** `python tutorials/adversarial.py`,
# with `--quick` for a smoke run and `--checkpoint-dir DIR` to resume an
# interrupted run; `jupytext --to notebook tutorials/adversarial.py` makes it
# a notebook.
#
# ## Introduction
#
# A ConvNet that reads handwritten digits almost perfectly can be made to
# misread nearly all of them by changes too small to change what a person
# sees (Szegedy et al. 2013, "Intriguing properties of neural networks"). The
# change is computed, not random: the gradient of the loss with respect to the
# *input* says which way each pixel should move to make the answer worse.
# Goodfellow, Shlens and Szegedy (2015) take one step of size `epsilon` along
# its sign, the fast gradient sign method (FGSM):
#
#     x_adv = x + epsilon * sign(grad_x loss(x, y))
#
# Madry et al. (2018) take several smaller steps from a random point near `x`,
# each projected back into the box `|x_adv - x| <= epsilon` (projected
# gradient descent, PGD), the strongest first-order attack. The same papers
# give the defence: train on adversarial examples, made against the current
# weights at every step (adversarial training).
#
# This tutorial attacks the ConvNet recipe's classifier on the digits, watches
# its accuracy fall as `epsilon` grows, then trains the same network
# adversarially and attacks it again.

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras loads a backend

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import adversarial, convnet, data, plots, saving, tutorial  # noqa: E402
from recipes.adversarial.evaluation import EVALUATION_EPSILON  # noqa: E402

args = tutorial.options(
    "Adversarial examples (FGSM, PGD) and adversarial training on the digits.",
    epochs=150,
    quick_epochs=2,
    out=os.path.join("tutorials", "output", "adversarial"),
)
tutorial.smoke_run(
    args,
    "A full run trains both models with the recipes' defaults, as "
    "`python -m benchmarks.quality adversarial` does; see benchmarks/RESULTS.md "
    "for the accuracies it measures.",
)

# %% [markdown]
# ## The data and a standard classifier
#
# scikit-learn's 8x8 digits with the fixed 60/20/20 split; pixels lie in
# [0, 1], so `epsilon = 0.1` lets every pixel move by a tenth of the range.
# The standard model is the ConvNet recipe's default ResNet, trained as usual.

# %%
bundle = data.load("digits")
x_test, y_test = bundle.test
keras.utils.set_random_seed(0)  # a repeatable run on the CPU
standard, standard_history = tutorial.trained(
    args,
    "standard",
    convnet.compile(convnet.build(seed=0)),
    lambda model, checkpoint_dir: convnet.fit(
        model,
        bundle,
        epochs=args.epochs,
        callbacks=tutorial.progress(args, "standard"),
        checkpoint_dir=checkpoint_dir,
        verbose=0,
    ),
)
print("standard ConvNet, clean test accuracy:", convnet.evaluate(standard, bundle))

# %% [markdown]
# ## Attacking it
#
# `adversarial.fgsm` and `adversarial.pgd` take any Keras classifier that
# outputs probabilities or logits (they read the last layer's activation),
# and a batch or a whole split. Every adversarial image stays in the valid
# range [0, 1]. PGD's random start is seeded, so the same call gives the same
# images on either backend.

# %%
epsilon = EVALUATION_EPSILON
shown_x, shown_y = x_test[:8], y_test[:8]
attacked = {
    "clean": shown_x,
    f"FGSM {epsilon}": adversarial.fgsm(standard, shown_x, shown_y, epsilon=epsilon),
    f"PGD {epsilon}": adversarial.pgd(
        standard, shown_x, shown_y, epsilon=epsilon, steps=20, seed=0
    ),
}
print("largest pixel change:", np.abs(attacked[f"PGD {epsilon}"] - shown_x).max())


def attack_grid(model, title, path):
    """Clean and attacked test digits in rows, each titled with the prediction."""
    figure, axes = plots.figure(len(attacked), 8, figsize=(8, 1.25 * len(attacked)))
    for row, (name, images) in enumerate(attacked.items()):
        predicted = np.argmax(model.predict(images, verbose=0), axis=-1)
        for column in range(8):
            axis = axes[row, column]
            axis.imshow(images[column, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            right = predicted[column] == shown_y[column]
            axis.set_title(
                f"{predicted[column]}", fontsize=9, color="black" if right else "red"
            )
            axis.axis("off")
        axes[row, 0].text(-1.5, 3.5, name, ha="right", va="center", fontsize=8)
    figure.suptitle(title)
    return plots.save(figure, path)


attack_grid(
    standard,
    f"standard ConvNet: its answers on clean, FGSM and PGD digits (red: wrong), "
    f"epsilon {epsilon}",
    os.path.join(args.out, "attacked_standard.png"),
)

# %% [markdown]
# The digits barely change to the eye, yet most answers do. How fast does
# accuracy fall with `epsilon`? `robust_accuracy` attacks the whole test
# split at each value.

# %%
epsilons = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25]
curves = {
    ("standard", "FGSM"): adversarial.robust_accuracy(
        standard, bundle, "fgsm", epsilons
    ),
    ("standard", "PGD"): adversarial.robust_accuracy(
        standard, bundle, "pgd", epsilons, steps=20
    ),
}
for (model_name, attack), accuracy in curves.items():
    print(model_name, attack, {e: round(a, 3) for e, a in accuracy.items()})

# %% [markdown]
# ## Adversarial training
#
# `adversarial.build` wraps the same ConvNet in an `AdversarialModel`, whose
# training step makes a PGD example of every image of the batch against the
# current weights (in the compiled step, on either backend), then trains on
# `(1 - a) * loss(clean) + a * loss(adversarial)`. The attack's `epsilon`,
# its steps and the mix `a` are `compile` arguments, saved with the model;
# their defaults were chosen on the validation split
# (docs/recipes/adversarial.md). Each step costs the attack's forward and
# backward passes on top of the update, so training is several times slower.

# %%
keras.utils.set_random_seed(0)
quick_attack = {"steps": 2} if args.quick else {}  # a smoke run: a cheaper attack
robust = adversarial.compile(adversarial.build(seed=0), **quick_attack)
print("training attack:", robust.attack_settings())
robust, robust_history = tutorial.trained(
    args,
    "robust",
    robust,
    lambda model, checkpoint_dir: adversarial.fit(
        model,
        bundle,
        epochs=args.epochs,
        callbacks=tutorial.progress(args, "robust"),
        checkpoint_dir=checkpoint_dir,
        verbose=0,
    ),
)
plots.training_curves(
    robust_history,
    os.path.join(args.out, "robust_training.png"),
    keys=["accuracy", "val_accuracy"],
    title="adversarial training: accuracy on the clean/PGD mix and on clean val",
    ylabel="accuracy",
)
print("robust ConvNet:", adversarial.evaluate(robust, bundle))

# %% [markdown]
# The same attacks on the robust model, and the two models' curves side by
# side.

# %%
curves[("robust", "FGSM")] = adversarial.robust_accuracy(
    robust, bundle, "fgsm", epsilons
)
curves[("robust", "PGD")] = adversarial.robust_accuracy(
    robust, bundle, "pgd", epsilons, steps=20
)
figure, axis = plots.figure(figsize=(6, 4))
for (model_name, attack), accuracy in curves.items():
    axis.plot(
        list(accuracy),
        [100 * a for a in accuracy.values()],
        marker="o",
        linestyle="-" if attack == "PGD" else "--",
        color="tab:blue" if model_name == "standard" else "tab:orange",
        label=f"{model_name}, {attack}",
    )
axis.set_xlabel("epsilon (pixels in [0, 1])")
axis.set_ylabel("test accuracy (%)")
axis.set_title("accuracy under attack: standard and adversarially trained ConvNet")
axis.legend()
plots.save(figure, os.path.join(args.out, "accuracy_vs_epsilon.png"))

attack_grid(
    robust,
    f"robust ConvNet: its answers on the same attacked digits (red: wrong), "
    f"epsilon {epsilon}",
    os.path.join(args.out, "attacked_robust.png"),
)

# %% [markdown]
# The grid above re-uses the examples made against the *standard* model
# (transferred attacks); the curves attack the robust model itself.
#
# ## Save and load
#
# The model, its training attack and its optimizer save to one `.keras` file
# that loads in safe mode; training can continue from it with the same
# attack.

# %%
path = saving.save_model(robust, os.path.join(args.out, "adversarial.keras"))
loaded = keras.saving.load_model(path)
same = np.allclose(
    loaded.predict(x_test[:16], verbose=0), robust.predict(x_test[:16], verbose=0)
)
print(f"reloaded {path}: same predictions {same}, attack {loaded.attack_settings()}")

# %% [markdown]
# ## Conclusion
#
# A standard ConvNet's accuracy collapses under a gradient attack at an
# `epsilon` that leaves the digits plainly readable; PGD is stronger than a
# single FGSM step. Training on PGD examples made inside the training step
# keeps most of the accuracy under the same attack, at a small cost in clean
# accuracy and a several-fold cost in training time. Robustness holds for the
# threat it was trained against (this `epsilon`, L-infinity); beyond it the
# curves fall again.
