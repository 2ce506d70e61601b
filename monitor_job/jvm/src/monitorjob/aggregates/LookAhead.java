package monitorjob.aggregates;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** An iterator whose next element is found one step ahead: {@link #ahead}, null at the end. */
abstract class LookAhead<T> implements Iterator<T> {
  private T next;
  private boolean looked;

  /** The next element, or null when there is none (called once per element, in order). */
  protected abstract T ahead();

  @Override
  public boolean hasNext() {
    if (!looked) {
      next = ahead();
      looked = true;
    }
    return next != null;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    looked = false;
    return next;
  }
}
