import keras
import numpy as np
import pytest

from recipes import data, fewshot, siamese


def test_tasks_draw_distinct_classes_and_never_a_query_among_the_supports():
    y = np.repeat(np.arange(7), 6)
    queries, supports, answers = fewshot.tasks(y, range(7), 5, 3, trials=200, seed=1)
    assert queries.shape == (200,) and supports.shape == (200, 5, 3)
    for query, support, answer in zip(queries, supports, answers):
        assert query not in support
        assert len(set(support.ravel())) == support.size
        classes = y[support]  # (5, 3): one class per row, five different rows
        assert (classes == classes[:, :1]).all() and len(set(classes[:, 0])) == 5
        assert y[query] == classes[answer, 0]
    again = fewshot.tasks(y, range(7), 5, 3, trials=200, seed=1)
    for first, second in zip((queries, supports, answers), again):
        np.testing.assert_array_equal(first, second)


def test_one_shot_tasks_are_the_siamese_recipe_trials():
    y = np.repeat(np.arange(6), 4)
    queries, supports, answers = fewshot.tasks(y, range(6), 4, 1, trials=50, seed=3)
    old = siamese.one_shot_tasks(y, range(6), 4, 50, 3)
    np.testing.assert_array_equal(queries, old[0])
    np.testing.assert_array_equal(supports[:, :, 0], old[1])
    np.testing.assert_array_equal(answers, old[2])


def test_pixel_one_nearest_neighbour_on_digits_is_unchanged():
    x, y = data.load("digits").test
    result = fewshot.accuracy(None, x, y, n_way=4, classes=range(6, 10))
    assert (
        result.accuracy
        == 0.756
        == siamese.one_shot_accuracy(None, x, y, classes=range(6, 10))
    )
    assert result.ci95 == pytest.approx(1.959964 * np.sqrt(0.756 * 0.244 / 1000))
    assert str(result) == "75.6 ± 2.7%"


def test_prototype_and_nearest_rules_differ_as_their_definitions_say():
    # Two classes of three 1-D points: class 0 at -1, 0.2 and 1, class 1 at
    # 0.9, 1.1 and 5. A query of class 0 at 0.2 with supports -1 and 1 is
    # nearer their mean (0) than the mean of 0.9 and 1.1, but the support
    # nearest to it (0.9) is of class 1: the rules must disagree somewhere.
    x = np.array([-1.0, 1.0, 0.2, 0.9, 1.1, 5.0])[:, None].astype("float32")
    y = np.array([0, 0, 0, 1, 1, 1])
    hits = {"prototype": 0, "nearest": 0}
    queries, supports, answers = fewshot.tasks(y, [0, 1], 2, 2, 400, seed=0)
    for rule in hits:
        result = fewshot.accuracy(None, x, y, n_way=2, k_shot=2, trials=400, rule=rule)
        hits[rule] = result.accuracy
    # direct computation of both rules on the same trials
    expected = {}
    for rule in hits:
        right = 0
        for query, support, answer in zip(queries, supports, answers):
            z = x[support][..., 0]  # (2, 2)
            if rule == "prototype":
                scores = -((x[query, 0] - z.mean(axis=1)) ** 2)
            else:
                scores = -((x[query, 0] - z) ** 2).min(axis=1)
            right += int(np.argmax(scores) == answer)
        expected[rule] = right / 400
    assert hits == pytest.approx(expected)
    assert hits["prototype"] != hits["nearest"]


def test_an_embedding_function_and_a_keras_model_give_the_same_answer():
    rng = np.random.default_rng(0)
    x = rng.random((30, 4, 4, 1)).astype("float32")
    y = np.repeat(np.arange(6), 5)
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    by_model = fewshot.accuracy(model, x, y, n_way=3, k_shot=2, trials=100)
    by_function = fewshot.accuracy(
        lambda images: model(images), x, y, n_way=3, k_shot=2, trials=100
    )
    assert by_model.accuracy == pytest.approx(by_function.accuracy)


def test_the_siamese_model_is_judged_by_its_own_similarity():
    x, y = data.load("digits").test
    model = siamese.build(tower="dense", distance="weighted_l1", embedding_dim=4)
    result = fewshot.accuracy(model, x, y, n_way=4, classes=range(6, 10), trials=200)
    queries, supports, answers = fewshot.tasks(y, range(6, 10), 4, 1, 200, 0)
    z = siamese.embed(model, x)
    scores = siamese.similarity(
        model, np.repeat(z[queries], 4, axis=0), z[supports.reshape(-1)]
    ).reshape(200, 4)
    assert result.accuracy == pytest.approx(np.mean(scores.argmax(1) == answers))


def test_evaluate_covers_every_way_and_shot():
    x = np.repeat(np.eye(6), 7, axis=0).astype("float32")
    y = np.repeat(np.arange(6), 7)
    results = fewshot.evaluate(None, x, y, ways=(2, 5), shots=(1, 5), trials=20)
    assert sorted(results) == [(2, 1), (2, 5), (5, 1), (5, 5)]
    assert all(r.accuracy == 1.0 and r.trials == 20 for r in results.values())
